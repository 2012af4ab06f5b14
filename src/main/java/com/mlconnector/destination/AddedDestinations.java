package com.mlconnector.destination;

import com.mlconnector.config.ConfigException;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The destinations beside the built-in ones: {@code destinations=com.example.MyDestination,…} names their classes
 * (each a {@link Destination} with a public constructor taking a {@link DestinationContext}, or none). A class is
 * looked for on the connector's classpath and in the jars of {@code plugins/} in the working folder. Anything wrong
 * (class not found, not a Destination, a name taken or malformed) stops start-up naming the property.
 */
public final class AddedDestinations {
    public static final String PROPERTY = "destinations";
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,39}");

    private AddedDestinations() {
    }

    /**
     * @param taken the names already declared (the built-in destinations): an added one may not reuse them
     */
    public static List<Destination> load(String classes, DestinationContext context, Path workDir, Collection<String> taken) {
        List<Destination> out = new ArrayList<>();
        if (classes == null || classes.isBlank()) {
            return out;
        }
        ClassLoader loader = pluginLoader(workDir.resolve("plugins"));
        List<String> names = new ArrayList<>(taken);
        for (String className : classes.split(",")) {
            String cn = className.trim();
            if (cn.isEmpty()) {
                continue;
            }
            Destination d = make(cn, loader, context);
            String name = d.name();
            if (name == null || !NAME.matcher(name).matches()) {
                throw new ConfigException(PROPERTY + ": " + cn + " is named '" + name
                        + "'; a destination's name is lower case letters, digits and '-', starting with a letter");
            }
            if (names.contains(name)) {
                throw new ConfigException(PROPERTY + ": " + cn + " is named '" + name + "', which another destination has");
            }
            names.add(name);
            out.add(d);
        }
        return out;
    }

    private static Destination make(String className, ClassLoader loader, DestinationContext context) {
        Class<?> type;
        try {
            type = Class.forName(className, true, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new ConfigException(PROPERTY + ": class " + className + " was not found on the classpath nor in plugins/");
        }
        if (!Destination.class.isAssignableFrom(type)) {
            throw new ConfigException(PROPERTY + ": " + className + " does not implement " + Destination.class.getName());
        }
        try {
            try {
                Constructor<?> withContext = type.getConstructor(DestinationContext.class);
                return (Destination) withContext.newInstance(context);
            } catch (NoSuchMethodException e) {
                return (Destination) type.getConstructor().newInstance();
            }
        } catch (NoSuchMethodException e) {
            throw new ConfigException(PROPERTY + ": " + className + " has no public constructor taking a DestinationContext (or none)");
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ConfigException c) {
                throw c; // the destination's own message naming its setting
            }
            throw new ConfigException(PROPERTY + ": " + className + " could not be made: " + cause);
        } catch (ReflectiveOperationException e) {
            throw new ConfigException(PROPERTY + ": " + className + " could not be made: " + e);
        }
    }

    /** The jars in plugins/, on top of the connector's own classes; the connector's classes when there are none. */
    private static ClassLoader pluginLoader(Path plugins) {
        ClassLoader parent = AddedDestinations.class.getClassLoader();
        if (!Files.isDirectory(plugins)) {
            return parent;
        }
        try (Stream<Path> files = Files.list(plugins)) {
            URL[] jars = files.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().map(AddedDestinations::url)
                    .toArray(URL[]::new);
            return jars.length == 0 ? parent : new URLClassLoader("plugins", jars, parent);
        } catch (IOException e) {
            throw new ConfigException(PROPERTY + ": cannot list " + plugins + ": " + e.getMessage());
        }
    }

    private static URL url(Path p) {
        try {
            return p.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }
}
