package dev.stowage.operator.status;

import dev.stowage.operator.job.KubernetesNames;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Core v1 events with a name derived from the resource's uid, the reason and the message: the same
 * event is created once, even across operator restarts (a second create is refused as a duplicate).
 */
public final class KubernetesEventRecorder implements EventRecorder {

  private static final Logger log = LoggerFactory.getLogger(KubernetesEventRecorder.class);
  static final int MAX_MESSAGE = 1024;

  private final KubernetesClient client;
  private final Clock clock;
  private final String instance;

  public KubernetesEventRecorder(KubernetesClient client, Clock clock, String instance) {
    this.client = client;
    this.clock = clock;
    this.instance = instance;
  }

  @Override
  public void record(HasMetadata resource, Type type, Reason reason, String message) {
    String text = message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) : message;
    String ns = resource.getMetadata().getNamespace();
    String name = eventName(resource, reason, text);
    String now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
    var event =
        new EventBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(ns)
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion(resource.getApiVersion())
            .withKind(resource.getKind())
            .withName(resource.getMetadata().getName())
            .withNamespace(ns)
            .withUid(resource.getMetadata().getUid())
            .endInvolvedObject()
            .withType(type.name())
            .withReason(reason.name())
            .withMessage(text)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withCount(1)
            .withNewSource()
            .withComponent("stowage-operator")
            .endSource()
            .withReportingComponent("stowage.dev/operator")
            .withReportingInstance(instance)
            .build();
    try {
      client.v1().events().inNamespace(ns).resource(event).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        // Events are for people; a lost one must not fail the reconcile that reports it.
        log.warn("could not record event {} {}: {}", reason, text, e.getMessage());
      }
    }
  }

  static String eventName(HasMetadata resource, Reason reason, String message) {
    String key = resource.getMetadata().getUid() + "\n" + reason + "\n" + message;
    String base = resource.getMetadata().getName();
    if (base.length() > 200) {
      base = base.substring(0, 200);
    }
    return base + "." + KubernetesNames.hash(key);
  }
}
