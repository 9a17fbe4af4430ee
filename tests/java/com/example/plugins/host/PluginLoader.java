package com.example.plugins.host;

import java.net.URL;
import java.net.URLClassLoader;

/** One deployment of the plugin: its own loader, parent the platform loader (so it defines
 *  its own copy of the plugin classes instead of delegating to the application loader). */
public final class PluginLoader extends URLClassLoader {
    final int deployment;

    PluginLoader(int deployment, URL[] urls) {
        super("plugin-" + deployment, urls, ClassLoader.getPlatformClassLoader());
        this.deployment = deployment;
    }
}
