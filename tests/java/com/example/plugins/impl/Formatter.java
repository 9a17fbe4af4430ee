package com.example.plugins.impl;

/** A second plugin class, so each copy of the plugin is more than one class. */
public final class Formatter {
    private final String name;

    public Formatter(String name) {
        this.name = name;
    }

    public String format(int n) {
        return name + "-" + n;
    }
}
