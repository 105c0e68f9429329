/** A spec no Job can be built from: permanent until a new resource is applied. */
package dev.stowage.operator.validation;
