package dev.stowage.operator.cluster;

import dev.stowage.operator.job.EngineJobFactory;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.health.Status;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The informer caches {@link KubernetesCluster} reads Jobs, engine pods, claims and StatefulSets
 * from, instead of asking the API server on every reconcile. They are JOSDK event sources of the
 * MysqlBackup controller (so they follow its watched namespaces, start with it and are synced
 * before it reconciles) that map to no resource: they never trigger a reconcile themselves.
 *
 * <p>Only a hit is taken from a cache: an object it does not hold (and a Job's pods when it holds
 * none) is looked for live, as before. A cache can so be stale only about an object that exists
 * (until its watch event), never say that one is missing. What a running backup or restore reads on
 * every look (its Job, the Job's pods, its claims, its StatefulSet) exists and comes from the
 * caches; a resource whose Job does not exist yet still GETs it once per reconcile, as before. A
 * read also goes live while a cache is not attached or not healthy (not started yet, not synced, or
 * its watch is down): a MysqlRestore reconcile before the MysqlBackup controller has started, or a
 * test that runs {@link KubernetesCluster} alone. What the operator itself just wrote is put into
 * the cache at once (JOSDK's temporary resource cache), so the next reconcile sees its own create,
 * patch or scale even before the watch event arrives.
 *
 * <p>What is cached, to bound memory: Jobs and pods only with the label {@code
 * app.kubernetes.io/managed-by=stowage-operator} (the engine's; a Job of that name made by someone
 * else without the label is not cached, so it is read live, as every miss is); every claim and
 * every StatefulSet of the watched namespaces (the source claims and StatefulSets are the user's,
 * without our labels). Pods that mount a user's claim are not cached (that would be every pod of
 * every watched namespace): {@link KubernetesCluster#podsMounting} still lists them live, once per
 * reconcile of a backup or restore that is about to start.
 */
public final class ClusterCaches {

  /** Informers list in pages of this many objects, to bound the burst of a first list. */
  public static final long LIST_PAGE = 500;

  static final String MANAGED_BY_STOWAGE =
      EngineJobFactory.LABEL_MANAGED_BY + "=" + KubernetesCluster.OPERATOR;

  private final KubernetesSerialization serialization;
  private volatile InformerEventSource<Job, ?> jobs;
  private volatile InformerEventSource<Pod, ?> pods;
  private volatile InformerEventSource<PersistentVolumeClaim, ?> claims;
  private volatile InformerEventSource<StatefulSet, ?> statefulSets;

  /**
   * @param serialization deep-copies what a read returns: a caller may change it, the cache's own
   *     object never
   */
  public ClusterCaches(KubernetesSerialization serialization) {
    this.serialization = serialization;
  }

  /**
   * The event sources to register on the controller of {@code context}, besides {@code engineJobs}
   * (its engine Job informer, which this then also reads Jobs from).
   */
  public <P extends HasMetadata> List<EventSource<?, P>> attach(
      EventSourceContext<P> context, InformerEventSource<Job, P> engineJobs) {
    var podSource =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Pod.class, context.getPrimaryResourceClass())
                .withName("stowage-engine-pods")
                .withInformerListLimit(LIST_PAGE)
                .withLabelSelector(MANAGED_BY_STOWAGE)
                .withSecondaryToPrimaryMapper(none())
                .build(),
            context);
    var claimSource =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(
                    PersistentVolumeClaim.class, context.getPrimaryResourceClass())
                .withName("stowage-claims")
                .withInformerListLimit(LIST_PAGE)
                .withSecondaryToPrimaryMapper(none())
                .build(),
            context);
    var statefulSetSource =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(
                    StatefulSet.class, context.getPrimaryResourceClass())
                .withName("stowage-statefulsets")
                .withInformerListLimit(LIST_PAGE)
                .withSecondaryToPrimaryMapper(none())
                .build(),
            context);
    this.jobs = engineJobs;
    this.pods = podSource;
    this.claims = claimSource;
    this.statefulSets = statefulSetSource;
    return List.of(podSource, claimSource, statefulSetSource);
  }

  private static <R>
      io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper<R> none() {
    return r -> Set.of();
  }

  /**
   * The Job when the cache holds it; empty when it does not or cannot answer. An absence is never
   * taken from a cache: the caller confirms it live (a Job of that name without our label, which
   * the cache never holds, must still be seen before anything starts).
   */
  Optional<Job> job(String namespace, String name) {
    return get(jobs, namespace, name);
  }

  Optional<PersistentVolumeClaim> claim(String namespace, String name) {
    return get(claims, namespace, name);
  }

  Optional<StatefulSet> statefulSet(String namespace, String name) {
    return get(statefulSets, namespace, name);
  }

  /**
   * The engine pods with the Job controller's label {@code uid}, oldest first; empty when the cache
   * holds none or cannot answer (the caller then lists them live).
   */
  List<Pod> jobPods(String namespace, String uid) {
    var source = pods;
    if (!ready(source)) {
      return List.of();
    }
    return source
        .list(namespace, p -> uid.equals(label(p, KubernetesCluster.JOB_CONTROLLER_UID)))
        .sorted(Comparator.comparing(p -> p.getMetadata().getCreationTimestamp()))
        .map(this::copy)
        .toList();
  }

  /** Our own create: seen by the next read even before its watch event arrives. */
  void created(HasMetadata created) {
    InformerEventSource<? extends HasMetadata, ?> source = sourceFor(created);
    if (created != null && ready(source)) {
      ResourceID id = ResourceID.fromResource(created);
      @SuppressWarnings("unchecked")
      var typed = (InformerEventSource<HasMetadata, ?>) source;
      typed.handleRecentResourceCreate(id, created);
    }
  }

  /** Our own patch or scale: the next read sees this version or a newer one. */
  void updated(HasMetadata updated) {
    InformerEventSource<? extends HasMetadata, ?> source = sourceFor(updated);
    if (updated != null && ready(source)) {
      ResourceID id = ResourceID.fromResource(updated);
      @SuppressWarnings("unchecked")
      var typed = (InformerEventSource<HasMetadata, ?>) source;
      Optional<HasMetadata> before = typed.get(id);
      if (before.isPresent()) {
        // JOSDK replaces the cached object when its version is the "previous" one given: only
        // when ours is newer, or a change someone made after our write, already in the cache,
        // would be hidden behind our older copy until the object's next event.
        if (newer(updated, before.get())) {
          typed.handleRecentResourceUpdate(id, updated, before.get());
        }
      } else {
        typed.handleRecentResourceCreate(id, updated);
      }
    }
  }

  /** Whether {@code a}'s resourceVersion is later than {@code b}'s (etcd revisions; else no). */
  static boolean newer(HasMetadata a, HasMetadata b) {
    try {
      return Long.parseLong(a.getMetadata().getResourceVersion())
          > Long.parseLong(b.getMetadata().getResourceVersion());
    } catch (NumberFormatException | NullPointerException e) {
      return false; // not comparable: the watch brings the object soon enough
    }
  }

  private InformerEventSource<? extends HasMetadata, ?> sourceFor(HasMetadata resource) {
    if (resource instanceof Job) {
      return jobs;
    }
    if (resource instanceof PersistentVolumeClaim) {
      return claims;
    }
    if (resource instanceof StatefulSet) {
      return statefulSets;
    }
    return null;
  }

  private <R extends HasMetadata> Optional<R> get(
      InformerEventSource<R, ?> source, String namespace, String name) {
    if (!ready(source)) {
      return Optional.empty();
    }
    return source.get(new ResourceID(name, namespace)).map(this::copy);
  }

  /** Whether the cache is attached, started, synced and watching. */
  static boolean ready(InformerEventSource<?, ?> source) {
    return source != null && source.getStatus() == Status.HEALTHY;
  }

  private <R extends HasMetadata> R copy(R resource) {
    return serialization.clone(resource);
  }

  private static String label(HasMetadata r, String key) {
    Map<String, String> labels = r.getMetadata().getLabels();
    return labels == null ? null : labels.get(key);
  }
}
