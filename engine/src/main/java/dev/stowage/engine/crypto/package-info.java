/**
 * Client-side encryption (issue 16): keys from a file and what HKDF derives from them, each object
 * sealed in AES-256-GCM segments bound to its place in the backup, and the HMAC that authenticates
 * the MANIFEST before anything else is read or written. JDK primitives only.
 */
package dev.stowage.engine.crypto;
