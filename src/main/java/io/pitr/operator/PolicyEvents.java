package io.pitr.operator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.MicroTime;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.events.v1.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.pitr.operator.pitr.ConditionReason;
import io.pitr.operator.status.PolicyStatusBuilder;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Kubernetes Events about policies and policy sets (events.k8s.io/v1), best effort: never fails a
 * reconcile.
 */
public class PolicyEvents {

  static final String CONTROLLER = "dynamodb.pitr.io/pitr-operator";
  private static final Logger LOG = Logger.getLogger(PolicyEvents.class);
  private static final DateTimeFormatter MICRO_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX");

  private final KubernetesClient client;
  private final Clock clock;
  private final String instance;
  private final AtomicLong lastNanos = new AtomicLong();

  public PolicyEvents(KubernetesClient client, Clock clock) {
    this.client = client;
    this.clock = clock;
    this.instance = System.getenv().getOrDefault("HOSTNAME", "pitr-operator");
  }

  /**
   * Event-name suffixes: the time in nanoseconds, made strictly increasing so names never clash.
   */
  private long nanosNow() {
    var now = clock.instant();
    long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    return lastNanos.updateAndGet(last -> Math.max(last + 1, nanos));
  }

  /** Records an event; Warning for reasons that are not good news. */
  public void record(HasMetadata policy, ConditionReason reason, String message) {
    boolean warning =
        reason.kind() == ConditionReason.Kind.WAITING
            || reason.kind() == ConditionReason.Kind.STALLED;
    var metadata = policy.getMetadata();
    var event =
        new EventBuilder()
            .withNewMetadata()
            // Named as client-go names events: <object>.<hex nanoseconds>.
            .withName(metadata.getName() + "." + Long.toHexString(nanosNow()))
            .withNamespace(metadata.getNamespace())
            .endMetadata()
            .withEventTime(
                new MicroTime(
                    MICRO_TIME.format(clock.instant().atOffset(java.time.ZoneOffset.UTC))))
            .withReportingController(CONTROLLER)
            .withReportingInstance(instance)
            .withAction(reason == ConditionReason.InSync ? "Reconciled" : "Reconcile")
            .withReason(reason.name())
            .withNote(PolicyStatusBuilder.bounded(message))
            .withType(warning ? "Warning" : "Normal")
            .withRegarding(
                new ObjectReferenceBuilder()
                    .withApiVersion(policy.getApiVersion())
                    .withKind(policy.getKind())
                    .withNamespace(metadata.getNamespace())
                    .withName(metadata.getName())
                    .withUid(metadata.getUid())
                    .withResourceVersion(metadata.getResourceVersion())
                    .build())
            .build();
    try {
      client.events().v1().events().inNamespace(metadata.getNamespace()).resource(event).create();
    } catch (RuntimeException e) {
      LOG.debugf(
          e,
          "Could not record event %s for %s/%s",
          reason,
          metadata.getNamespace(),
          metadata.getName());
    }
  }
}
