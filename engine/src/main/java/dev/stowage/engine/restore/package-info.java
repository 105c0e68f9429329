/**
 * Restore: plans the target layout, guards the target (never over data without --overwrite),
 * pre-sizes each file and writes its chunks in parallel at their offsets, fsyncs, then removes the
 * restore marker.
 */
package dev.stowage.engine.restore;
