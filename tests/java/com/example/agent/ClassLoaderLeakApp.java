package com.example.agent;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

import com.example.fixtures.FixtureDump;

/**
 * Incident 5 (ClassLoaderLeak + huge arrays):
 * <ul>
 *   <li>an "agent" URLClassLoader named {@value #LOADER_NAME} that loaded GENERATED_CLASSES
 *       tiny generated classes (written as .java, compiled in one batch with the system Java
 *       compiler in a child JVM, packed into a jar), kept alive by
 *       {@code AgentRegistry.LOADERS};</li>
 *   <li>PLUGIN_JARS {@code JarFile}s opened and never closed, kept in
 *       {@code AgentRegistry.OPEN_JARS} (plus the one the loader itself keeps open);</li>
 *   <li>a {@code BufferPool} with POOL_CHUNKS x byte[CHUNK] (zero-filled);</li>
 *   <li>a decoded image, int[IMG_W * IMG_H], referenced only by a local variable of
 *       {@code ImageDecoder.decode} in the thread {@value #DECODER_THREAD}, which is waiting
 *       in that method when the dump is taken.</li>
 * </ul>
 */
public final class ClassLoaderLeakApp {
    static final String NAME = "classloader_leak";
    static final int GENERATED_CLASSES = 2000;
    static final String GEN_PACKAGE = "com.example.agent.gen";
    static final String LOADER_NAME = "agent-loader";
    static final int PLUGIN_JARS = 5;
    static final int POOL_CHUNKS = 4;
    static final int CHUNK = 4 * 1024 * 1024;
    static final int IMG_W = 2048;
    static final int IMG_H = 1024;
    static final String DECODER_THREAD = "image-decoder";

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--generate")) {
            Path work = Paths.get(args[1]);
            buildAgentJar(work);
            buildPluginJars(work);
            return;
        }
        Path out = Paths.get(args.length > 0 ? args[0] : ".");
        Path work = Files.createTempDirectory("heaplens-agent");
        try {
            generateInChildJvm(work);
            Path agentJar = work.resolve("agent.jar");
            List<Path> plugins = new ArrayList<>();
            for (int i = 1; i <= PLUGIN_JARS; i++) plugins.add(work.resolve("plugin-" + i + ".jar"));
            loadAgent(agentJar);
            openPlugins(plugins);
            BufferPool.SHARED = new BufferPool(POOL_CHUNKS, CHUNK);
            CountDownLatch release = new CountDownLatch(1);
            Thread decoder = startDecoder(release);
            FixtureDump.dump(out, NAME, true);
            FixtureDump.writeFacts(out, NAME, facts(decoder));
            release.countDown();
        } finally {
            for (JarFile j : AgentRegistry.OPEN_JARS) j.close();
            for (URLClassLoader l : AgentRegistry.LOADERS) l.close();
            deleteTree(work);
        }
        System.exit(0);
    }

    /**
     * Runs this program with {@code --generate WORK} in a child JVM: the sources are generated
     * and compiled there (javax.tools in one batch), so javac's ~3,000 classes and its name
     * tables stay out of this process and out of the dump; only the agent's own classes,
     * loaded below, are added to the JDK baseline.
     */
    static void generateInChildJvm(Path work) throws IOException, InterruptedException {
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"),
                ClassLoaderLeakApp.class.getName(), "--generate", work.toString())
                .inheritIO().start();
        int rc = p.waitFor();
        if (rc != 0) throw new IllegalStateException("generator JVM failed: exit " + rc);
    }

    static String className(int i) {
        return String.format("Probe%04d", i);
    }

    /** Generates GENERATED_CLASSES sources, compiles them in one javac run, jars the classes. */
    static Path buildAgentJar(Path work) throws IOException {
        Path src = work.resolve("src");
        Path pkgDir = src.resolve(GEN_PACKAGE.replace('.', '/'));
        Files.createDirectories(pkgDir);
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < GENERATED_CLASSES; i++) {
            String cn = className(i);
            String code = "package " + GEN_PACKAGE + ";\n"
                    + "public final class " + cn + " {\n"
                    + "    public static int hits;\n"
                    + "    public int probe(int x) { hits++; return x * " + (i + 3) + "; }\n"
                    + "}\n";
            Path f = pkgDir.resolve(cn + ".java");
            Files.write(f, code.getBytes(StandardCharsets.UTF_8));
            files.add(f);
        }
        Path classes = work.resolve("classes");
        Files.createDirectories(classes);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) throw new IllegalStateException("no system Java compiler (need a JDK, not a JRE)");
        try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
            List<String> options = List.of("-d", classes.toString(), "-g:none", "-proc:none");
            Boolean ok = javac.getTask(null, fm, null, options, null,
                    fm.getJavaFileObjectsFromPaths(files)).call();
            if (!Boolean.TRUE.equals(ok)) throw new IllegalStateException("javac failed");
        }
        Path jar = work.resolve("agent.jar");
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(os);
             Stream<Path> walk = Files.walk(classes)) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile).sorted()::iterator) {
                jos.putNextEntry(new JarEntry(classes.relativize(p).toString().replace('\\', '/')));
                jos.write(Files.readAllBytes(p));
                jos.closeEntry();
            }
        }
        return jar;
    }

    static List<Path> buildPluginJars(Path work) throws IOException {
        List<Path> jars = new ArrayList<>();
        for (int i = 1; i <= PLUGIN_JARS; i++) {
            Path jar = work.resolve("plugin-" + i + ".jar");
            try (OutputStream os = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(os)) {
                jos.putNextEntry(new JarEntry("META-INF/plugin.properties"));
                jos.write(("plugin.id=plugin-" + i + "\n").getBytes(StandardCharsets.UTF_8));
                jos.closeEntry();
            }
            jars.add(jar);
        }
        return jars;
    }

    static void loadAgent(Path agentJar) throws Exception {
        URLClassLoader loader = new URLClassLoader(LOADER_NAME, new URL[] {agentJar.toUri().toURL()},
                ClassLoaderLeakApp.class.getClassLoader());
        for (int i = 0; i < GENERATED_CLASSES; i++) {
            Class<?> c = Class.forName(GEN_PACKAGE + "." + className(i), true, loader);
            if (c.getClassLoader() != loader) throw new AssertionError(c);
        }
        AgentRegistry.LOADERS.add(loader);
    }

    static void openPlugins(List<Path> plugins) throws IOException {
        for (Path p : plugins) {
            JarFile jf = new JarFile(p.toFile());
            if (jf.getEntry("META-INF/plugin.properties") == null) throw new AssertionError(p);
            AgentRegistry.OPEN_JARS.add(jf);
        }
    }

    static Thread startDecoder(CountDownLatch release) throws InterruptedException {
        ImageDecoder dec = new ImageDecoder(IMG_W, IMG_H, release);
        Thread t = new Thread(dec, DECODER_THREAD);
        t.setDaemon(true);
        t.start();
        dec.decoded.await();
        while (t.getState() != Thread.State.WAITING) Thread.sleep(5);
        return t;
    }

    static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    static Map<String, Object> facts(Thread decoder) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("fixture", NAME);
        f.put("incident", "ClassLoaderLeak + huge arrays");
        f.put("loader_class", "java.net.URLClassLoader");
        f.put("loader_name", LOADER_NAME);
        f.put("loader_registry", "com.example.agent.AgentRegistry.LOADERS");
        f.put("generated_classes", GENERATED_CLASSES);
        f.put("generated_class_pattern", GEN_PACKAGE + ".Probe0000 .. " + GEN_PACKAGE + "." + className(GENERATED_CLASSES - 1));
        f.put("open_jars", PLUGIN_JARS);
        f.put("open_jars_registry", "com.example.agent.AgentRegistry.OPEN_JARS");
        // The loader keeps its own agent.jar open too (URLClassPath$JarLoader -> JarFile).
        f.put("jarfile_instances", PLUGIN_JARS + 1);
        f.put("pool_class", "com.example.agent.BufferPool");
        f.put("pool_chunks", POOL_CHUNKS);
        f.put("pool_chunk_bytes", CHUNK);
        f.put("pool_chunk_array_shallow", FixtureDump.arraySize(CHUNK, 1));
        f.put("pool_retained", 24 /* BufferPool: 12 header + int + ref = 20 -> 24 */
                + FixtureDump.arraySize(POOL_CHUNKS, 4) + POOL_CHUNKS * FixtureDump.arraySize(CHUNK, 1));
        f.put("image_thread", decoder.getName());
        f.put("image_frame_method", "com.example.agent.ImageDecoder.decode");
        f.put("image_array_class", "int[]");
        f.put("image_width", IMG_W);
        f.put("image_height", IMG_H);
        f.put("image_length", IMG_W * IMG_H);
        f.put("image_bytes", IMG_W * IMG_H * 4);
        f.put("image_array_shallow", FixtureDump.arraySize((long) IMG_W * IMG_H, 4));
        f.put("image_root", "ROOT JAVA FRAME (local variable) of thread " + DECODER_THREAD);
        return f;
    }
}
