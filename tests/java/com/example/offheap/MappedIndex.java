package com.example.offheap;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A memory-mapped index file (file-backed memory: page cache, not direct memory). */
public final class MappedIndex {
    static MappedIndex INSTANCE;

    final MappedByteBuffer map;

    MappedIndex(Path file, int bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            map = ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes);
        }
        map.put(0, (byte) 1);
    }
}
