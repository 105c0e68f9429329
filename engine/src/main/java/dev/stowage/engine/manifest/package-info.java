/**
 * The MANIFEST of the Vitess builtin backup format (FORMAT.md): its model, JSON codec, Stowages
 * extension keys, and the validation that refuses a crafted or damaged one before any write.
 */
package dev.stowage.engine.manifest;
