/**
 * Engine Jobs: built from a resource (arguments, pod settings, storage), watched, and their result
 * read from the termination message (the contract of contract/README.md).
 */
package dev.stowage.operator.job;
