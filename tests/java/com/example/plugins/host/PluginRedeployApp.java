package com.example.plugins.host;

import java.net.URL;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.example.fixtures.FixtureDump;

/**
 * Incident 8 (PluginRedeploy, a class-loader leak): the host deploys the report plugin
 * DEPLOYS times (each deployment a new {@link PluginLoader} over the same classes, defining its
 * own {@code com.example.plugins.impl.ReportPlugin} and {@code Formatter}); on deploy the host
 * registers the plugin in its static listener list {@link #LISTENERS}, and on undeploy it closes
 * the loader but never unregisters the listener. So the DEPLOYS - 1 undeployed loaders stay
 * alive with their classes, kept by {@code PluginRedeployApp.LISTENERS} → plugin instance → its class
 * → its loader.
 */
public final class PluginRedeployApp {
    static final String NAME = "plugin_redeploy";
    static final int DEPLOYS = 36;

    /** The host's event listeners (never unregistered: the leak). */
    static final List<Runnable> LISTENERS = new ArrayList<>();
    /** The live deployment. */
    static PluginLoader current;

    public static void main(String[] args) throws Exception {
        Path out = Paths.get(args.length > 0 ? args[0] : ".");
        URL classes = PluginRedeployApp.class.getProtectionDomain().getCodeSource().getLocation();
        for (int i = 1; i <= DEPLOYS; i++) {
            if (current != null) current.close(); // undeploy: the listener stays registered
            current = new PluginLoader(i, new URL[] {classes});
            Class<?> c = current.loadClass("com.example.plugins.impl.ReportPlugin");
            if (c.getClassLoader() != current) throw new AssertionError("delegated: " + c.getClassLoader());
            Runnable plugin = (Runnable) c.getDeclaredConstructor().newInstance();
            plugin.run(); // loads Formatter through the same loader
            LISTENERS.add(plugin);
        }
        FixtureDump.dump(out, NAME, true);
        FixtureDump.writeFacts(out, NAME, facts());
        System.exit(0);
    }

    static Map<String, Object> facts() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("fixture", NAME);
        f.put("incident", "class-loader leak: undeployed plugin loaders kept by a static listener list");
        f.put("loader_class", PluginLoader.class.getName());
        f.put("loaders", DEPLOYS);
        f.put("undeployed_loaders", DEPLOYS - 1);
        List<String> classes = new ArrayList<>();
        classes.add("com.example.plugins.impl.Formatter");
        classes.add("com.example.plugins.impl.ReportPlugin");
        f.put("plugin_classes", classes);
        f.put("registry", "static field " + PluginRedeployApp.class.getName() + ".LISTENERS");
        f.put("plugin_cache_bytes", FixtureDump.arraySize(com.example.plugins.impl.ReportPlugin.CACHE_BYTES, 1));
        return f;
    }
}
