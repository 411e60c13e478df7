package io.edgesync.deployment;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.edgesync.config.EdgeSyncConfig;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import io.smallrye.config.WithParentName;

/**
 * Every configuration key of a {@link ConfigMapping} interface, found by reflection the way SmallRye Config names them:
 * the prefix, then the kebab-case method names ({@code @WithName} when present), nested interfaces as groups, and a
 * {@code <name>} segment for each map key.
 */
final class ConfigKeys {

    /** The placeholder of a map key in a key name. */
    static final String MAP_KEY = "<name>";

    /** One configuration key: its name, default, value type and the method that declares it. */
    record ConfigKey(String name, Optional<String> defaultValue, String type, Class<?> valueClass, Method method) {

        /** The environment variable of this key: upper case, every character that is not a letter or digit is '_'. */
        String environmentVariable() {
            return toEnvironmentVariable(name);
        }

        /** Whether {@code variable} sets this key; a map key placeholder matches any name. */
        boolean matchesEnvironmentVariable(String variable) {
            String[] parts = name.split(Pattern.quote(MAP_KEY), -1);
            String regex = Arrays.stream(parts)
                    .map(part -> Pattern.quote(toEnvironmentVariable(part)))
                    .collect(Collectors.joining("[A-Z0-9_]+"));
            return variable.matches(regex);
        }
    }

    private ConfigKeys() {
    }

    /** The keys of EdgeSync's own configuration, sorted by name. */
    static List<ConfigKey> edgeSync() {
        return of(EdgeSyncConfig.class);
    }

    static List<ConfigKey> of(Class<?> mapping) {
        ConfigMapping annotation = mapping.getAnnotation(ConfigMapping.class);
        if (annotation == null) {
            throw new IllegalArgumentException(mapping + " is not a @ConfigMapping");
        }
        List<ConfigKey> keys = new ArrayList<>();
        collect(mapping, annotation.prefix(), keys);
        keys.sort(Comparator.comparing(ConfigKey::name));
        return keys;
    }

    /** The default of {@code key}, if the key exists and has one. */
    static Optional<String> defaultOf(List<ConfigKey> keys, String key) {
        return keys.stream().filter(k -> k.name().equals(key)).findFirst().flatMap(ConfigKey::defaultValue);
    }

    /** Whether some key is set by the environment variable {@code variable}. */
    static boolean isKnownEnvironmentVariable(List<ConfigKey> keys, String variable) {
        return keys.stream().anyMatch(key -> key.matchesEnvironmentVariable(variable));
    }

    /** Whether {@code value} is a valid value of {@code key} (booleans, numbers and enums are checked). */
    static boolean isValidValue(ConfigKey key, String value) {
        Class<?> type = key.valueClass();
        try {
            if (type == boolean.class || type == Boolean.class) {
                return value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false");
            }
            if (type == int.class || type == Integer.class || type == OptionalInt.class) {
                Integer.parseInt(value);
            } else if (type == long.class || type == Long.class || type == OptionalLong.class) {
                Long.parseLong(value);
            } else if (type == short.class || type == Short.class) {
                Short.parseShort(value);
            } else if (type.isEnum()) {
                String constant = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
                return Arrays.stream(type.getEnumConstants()).anyMatch(c -> ((Enum<?>) c).name().equals(constant));
            }
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    static String toEnvironmentVariable(String key) {
        StringBuilder env = new StringBuilder(key.length());
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            env.append(Character.isLetterOrDigit(c) ? Character.toUpperCase(c) : '_');
        }
        return env.toString();
    }

    /** {@code autoCreate} becomes {@code auto-create}, as SmallRye's default naming strategy does. */
    static String kebab(String methodName) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < methodName.length(); i++) {
            char c = methodName.charAt(i);
            if (Character.isUpperCase(c)) {
                boolean previousLower = i > 0 && !Character.isUpperCase(methodName.charAt(i - 1));
                boolean nextLower = i + 1 < methodName.length() && Character.isLowerCase(methodName.charAt(i + 1));
                if (i > 0 && (previousLower || nextLower)) {
                    out.append('-');
                }
                out.append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static void collect(Class<?> group, String prefix, List<ConfigKey> keys) {
        List<Method> methods = Arrays.stream(group.getMethods())
                .filter(m -> m.getParameterCount() == 0)
                .filter(m -> !m.isDefault() && !m.isSynthetic() && !Modifier.isStatic(m.getModifiers()))
                .filter(m -> m.getDeclaringClass() != Object.class)
                .toList();
        for (Method method : methods) {
            String name = method.isAnnotationPresent(WithParentName.class)
                    ? prefix
                    : prefix + "." + Optional.ofNullable(method.getAnnotation(WithName.class))
                            .map(WithName::value)
                            .orElseGet(() -> kebab(method.getName()));
            Optional<String> defaultValue = Optional.ofNullable(method.getAnnotation(WithDefault.class))
                    .map(WithDefault::value);
            collectType(method, method.getGenericReturnType(), name, defaultValue, keys);
        }
    }

    private static void collectType(Method method, Type type, String name, Optional<String> defaultValue,
            List<ConfigKey> keys) {
        if (type instanceof ParameterizedType parameterized) {
            Class<?> raw = (Class<?>) parameterized.getRawType();
            Type[] arguments = parameterized.getActualTypeArguments();
            if (Map.class.isAssignableFrom(raw)) {
                collectType(method, arguments[1], name + "." + MAP_KEY, defaultValue, keys);
                return;
            }
            if (raw == Optional.class) {
                collectType(method, arguments[0], name, defaultValue, keys);
                return;
            }
            // Lists and sets are one key with comma-separated values.
            keys.add(new ConfigKey(name, defaultValue, "list of " + describe(arguments[0]), String.class, method));
            return;
        }
        Class<?> raw = (Class<?>) type;
        if (isGroup(raw)) {
            collect(raw, name, keys);
            return;
        }
        keys.add(new ConfigKey(name, defaultValue, describe(raw), raw, method));
    }

    private static boolean isGroup(Class<?> type) {
        return type.isInterface() && !type.getName().startsWith("java.");
    }

    private static String describe(Type type) {
        if (!(type instanceof Class<?> raw)) {
            return type.getTypeName();
        }
        if (raw.isEnum()) {
            return Arrays.stream(raw.getEnumConstants())
                    .map(constant -> ((Enum<?>) constant).name().toLowerCase(Locale.ROOT).replace('_', '-'))
                    .collect(Collectors.joining(" | "));
        }
        if (raw == String.class) {
            return "string";
        }
        if (raw == OptionalInt.class || raw == OptionalLong.class || raw == OptionalDouble.class) {
            return raw.getSimpleName().substring("Optional".length()).toLowerCase(Locale.ROOT);
        }
        if (raw == java.time.Duration.class) {
            return "duration";
        }
        return raw.getSimpleName();
    }
}
