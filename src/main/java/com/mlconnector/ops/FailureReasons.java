package com.mlconnector.ops;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A failure's recorded text made short enough for one line: an HTTP answer named by status and host, no URL path or query. */
public final class FailureReasons {
    private static final Pattern HTTP = Pattern.compile("HTTP (\\d{3}) from https?://([^/\\s]+)\\S*?(?::\\s(.*))?$", Pattern.DOTALL);
    private static final int MAX = 140;

    private FailureReasons() {
    }

    public static String shortReason(String error) {
        if (error == null || error.isBlank()) {
            return "";
        }
        String text = error.replaceFirst("^[A-Za-z]+(Exception|Error): ", "");
        Matcher m = HTTP.matcher(text);
        if (m.find()) {
            String said = m.group(3) == null ? "" : m.group(3).replaceAll("\\s+", " ").trim();
            String code = said.replaceAll(".*\"(?:code|message)\"\\s*:\\s*\"([^\"]{1,80})\".*", "$1");
            text = "HTTP " + m.group(1) + " from " + m.group(2) + (said.isEmpty() ? "" : ": " + (code.equals(said) ? said : code));
        }
        text = text.replaceAll("\\s+", " ").trim();
        return text.length() <= MAX ? text : text.substring(0, MAX - 1) + "…";
    }
}
