package com.example.agent;

import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;

/** The static registry that keeps the agent's loader (and so all its classes) alive. */
public final class AgentRegistry {
    private AgentRegistry() {}

    /** Loaders of "agents" that were detached long ago but never unregistered. */
    static final List<URLClassLoader> LOADERS = new ArrayList<>();
    /** Plugin jars opened for scanning and never closed. */
    static final List<JarFile> OPEN_JARS = new ArrayList<>();
}
