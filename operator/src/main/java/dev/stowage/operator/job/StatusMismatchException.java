package dev.stowage.operator.job;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * A resource's status names another stored backup than its spec and metadata do. Status is not an
 * input: whoever may write a resource's status subresource must not choose what the operator
 * deletes or restores, so the operator refuses instead of acting on it.
 */
public final class StatusMismatchException extends RuntimeException {

  public StatusMismatchException(
      HasMetadata resource, String field, String recorded, String derived) {
    super(
        field
            + " of "
            + resource.getKind()
            + " "
            + resource.getMetadata().getName()
            + " is "
            + recorded
            + " but its spec and metadata give "
            + derived
            + "; the operator never acts on a status that disagrees with the spec (status may have"
            + " been written by someone other than the operator). Set "
            + field
            + " back to "
            + derived
            + ", or remove the stored backup yourself and the finalizer from the resource");
  }
}
