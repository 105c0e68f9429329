package dev.stowage.operator.restore;

import java.time.Duration;

/** Stops a restore's start(): when to look again, or null when only an event can help. */
record Halt(Duration again) {}
