/**
 * Status and events: conditions (kstatus), reasons, human display fields, and status writes with
 * optimistic locking.
 */
package dev.stowage.operator.status;
