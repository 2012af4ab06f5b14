package com.mlconnector.config;

import java.util.function.Function;

/** Reading settings from a property lookup: blank means unset; bad values stop start-up naming the property. */
public final class Props {
    private Props() {
    }

    public static String trim(String v) {
        return v == null || v.isBlank() ? null : v.trim();
    }

    public static String or(Function<String, String> p, String key, String fallback) {
        String v = trim(p.apply(key));
        return v == null ? fallback : v;
    }

    public static boolean bool(Function<String, String> p, String key, boolean fallback) {
        String v = trim(p.apply(key));
        if (v == null) {
            return fallback;
        }
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v);
        }
        throw new ConfigException(key + " must be true or false, got '" + v + "'");
    }

    public static int integer(Function<String, String> p, String key, int fallback, int min, int max) {
        String v = trim(p.apply(key));
        if (v == null) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) {
                throw new ConfigException(key + " must be between " + min + " and " + max + ", got " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be a whole number, got '" + v + "'");
        }
    }

    public static String stripSlash(String v) {
        return v.endsWith("/") ? v.substring(0, v.length() - 1) : v;
    }
}
