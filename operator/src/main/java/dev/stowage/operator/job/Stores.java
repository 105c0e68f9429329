package dev.stowage.operator.job;

import dev.stowage.api.v1alpha1.StoreRef;
import dev.stowage.operator.validation.InvalidSpecException;

/** Finds the administrator's store that a {@code storage.storeRef} names, for one namespace. */
@FunctionalInterface
public interface Stores {
  /**
   * The store's bucket and engine identity, for a resource in {@code namespace}.
   *
   * @throws InvalidSpecException naming the store and what to do, when it does not exist or does
   *     not allow the namespace
   */
  ResolvedStore resolve(String namespace, StoreRef ref);

  /** For a factory built without stores (tests of other things): every storeRef is refused. */
  Stores NONE =
      (namespace, ref) -> {
        throw new InvalidSpecException(
            "spec.storage.storeRef names "
                + ref.kindOrDefault()
                + " "
                + ref.getName()
                + ", but this operator reads no stores");
      };
}
