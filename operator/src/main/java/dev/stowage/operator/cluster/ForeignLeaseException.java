package dev.stowage.operator.cluster;

/**
 * A Lease has the name of a Stowage lock but Stowage did not make it: it is neither counted as the
 * lock nor taken over, and the resource that wanted the lock is Blocked until someone deletes it.
 */
public final class ForeignLeaseException extends RuntimeException {
  private final String namespace;
  private final String lease;

  public ForeignLeaseException(String namespace, String lease, String why) {
    super("Lease " + lease + " in " + namespace + " was not made by Stowage (" + why + ")");
    this.namespace = namespace;
    this.lease = lease;
  }

  public String lease() {
    return lease;
  }

  /**
   * Status text: which lock it takes the place of, that it is left alone, and how to remove it.
   *
   * @param what what the lock is of, for example {@code PersistentVolumeClaim data-db-0}
   */
  public String blockedMessage(String what) {
    return getMessage()
        + ", so "
        + what
        + " cannot be locked; a Lease Stowage did not make is never counted as a lock nor taken"
        + " over. If nothing of yours uses it, delete it: kubectl delete lease -n "
        + namespace
        + " "
        + lease;
  }
}
