/** The operator process: configuration, the JOSDK operator and its HTTP endpoints. */
package dev.stowage.operator;
