/**
 * Compression codecs of the Vitess builtin format (zstd, gzip, lz4, none), as whole-buffer and
 * streaming compressors and decompressors.
 */
package dev.stowage.engine.compress;
