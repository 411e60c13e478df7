package io.edgesync.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * CPU use during a measured phase, in cores (2.0 = both cores of a 2-core machine busy): the whole machine, the load
 * generator and each server process the harness started (PostgreSQL with its backends). Read from {@code /proc}; on
 * another system it reports nothing. The machine figure includes whatever else runs on the machine.
 *
 * <p> Of a JVM, the share its JIT compiler threads took is reported too ({@code gateway 0.85 (JIT 0.40)}): a JVM still
 * warming up compiles for minutes on two cores, and that CPU is not the cost of the work measured.
 */
final class CpuMeter {

    /** The suffix of the key that holds the JIT compiler's share of a process's cores (part of the process's). */
    static final String JIT = " JIT";

    private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux

    /** A named process to account for, with its child processes when {@code children} (a postmaster's backends). */
    record Tracked(String name, long pid, boolean children) {
    }

    record Snapshot(long nanos, long machineBusyTicks, Map<String, Long> processTicks) {
    }

    /** Whether a key of {@link Usage#cores()} is the JIT compiler's share of a process's (already in the process's). */
    static boolean isJitShare(String key) {
        return key.endsWith(JIT);
    }

    /** Cores used per part, over a phase. */
    record Usage(Map<String, Double> cores) {

        static final Usage NONE = new Usage(Map.of());

        /** Cores the JIT compiler threads of all tracked JVMs took together. */
        double jitCores() {
            return cores.entrySet().stream().filter(e -> isJitShare(e.getKey())).mapToDouble(Map.Entry::getValue).sum();
        }

        String describe() {
            StringBuilder text = new StringBuilder();
            cores.forEach((name, value) -> {
                if (isJitShare(name)) {
                    return;
                }
                text.append(text.length() == 0 ? "" : ", ")
                        .append(name)
                        .append(' ')
                        .append(String.format(java.util.Locale.ROOT, "%.2f", value));
                Double jit = cores.get(name + JIT);
                if (jit != null) {
                    text.append(String.format(java.util.Locale.ROOT, " (JIT %.2f)", jit));
                }
            });
            return text.toString();
        }
    }

    private final List<Tracked> tracked = new CopyOnWriteArrayList<>();

    void track(String name, long pid) {
        track(name, pid, false);
    }

    void track(String name, long pid, boolean children) {
        tracked.removeIf(t -> t.name().equals(name));
        tracked.add(new Tracked(name, pid, children));
    }

    void untrack(String name) {
        tracked.removeIf(t -> t.name().equals(name));
    }

    Snapshot snapshot() {
        Map<String, Long> ticks = new LinkedHashMap<>();
        ticks.put("load generator", processTicks(ProcessHandle.current().pid()));
        for (Tracked t : tracked) {
            ticks.put(t.name(), t.children() ? treeTicks(t.pid()) : processTicks(t.pid()));
            if (!t.children()) {
                ticks.put(t.name() + JIT, compilerTicks(t.pid()));
            }
        }
        return new Snapshot(System.nanoTime(), machineBusyTicks(), ticks);
    }

    Usage usage(Snapshot before, Snapshot after) {
        double seconds = (after.nanos() - before.nanos()) / 1e9;
        if (seconds <= 0 || after.machineBusyTicks() < 0) {
            return Usage.NONE;
        }
        Map<String, Double> cores = new LinkedHashMap<>();
        cores.put("machine", (after.machineBusyTicks() - before.machineBusyTicks()) / TICKS_PER_SECOND / seconds);
        after.processTicks().forEach((name, ticks) -> {
            Long earlier = before.processTicks().get(name);
            // (a process without compiler threads, Node.js, has no JIT share)
            if (earlier != null && ticks >= 0 && earlier >= 0 && !(isJitShare(name) && ticks == 0)) {
                cores.put(name, (ticks - earlier) / TICKS_PER_SECOND / seconds);
            }
        });
        double ours = cores.entrySet().stream()
                .filter(e -> !e.getKey().equals("machine") && !isJitShare(e.getKey()))
                .mapToDouble(Map.Entry::getValue).sum();
        cores.put("other processes", Math.max(0, cores.get("machine") - ours));
        return new Usage(cores);
    }

    private static long machineBusyTicks() {
        try {
            String cpu = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] f = cpu.trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) {
                if (i != 4 && i != 5) { // idle, iowait
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** utime + stime of a process, in ticks; -1 when it is gone. */
    static long processTicks(long pid) {
        String[] f = stat(Path.of("/proc", Long.toString(pid), "stat"));
        return f == null ? -1 : Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /**
     * utime + stime of a JVM's JIT compiler threads ({@code C1 CompilerThread0}, {@code C2 CompilerThread1}, ...), in
     * ticks; 0 for a process without them, -1 when it is gone. Compiler threads that ended in between are missed (the
     * JVM stops idle ones and starts them again as compilations queue).
     */
    static long compilerTicks(long pid) {
        long total = 0;
        try (DirectoryStream<Path> threads = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path thread : threads) {
                String text = Files.readString(thread.resolve("stat"));
                String name = text.substring(text.indexOf('(') + 1, text.lastIndexOf(')'));
                if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                    String[] f = fields(text);
                    total += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return total;
    }

    /**
     * A process and its direct children, in ticks. Children that ended in between are missed (PostgreSQL backends of
     * pooled connections live as long as the pool).
     */
    private static long treeTicks(long pid) {
        long own = processTicks(pid);
        if (own < 0) {
            return -1;
        }
        long total = own;
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                String[] f = stat(proc.resolve("stat"));
                if (f != null && Long.parseLong(f[1]) == pid) {
                    total += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return total;
    }

    /** The fields of /proc/PID/stat after the command name (field 3 onwards). */
    private static String[] stat(Path path) {
        try {
            return fields(Files.readString(path));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The fields of a {@code stat} line after the command name (which may hold spaces and parentheses). */
    private static String[] fields(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    }

    /** Resident memory of a process in bytes (VmRSS), or -1. */
    static long residentBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
