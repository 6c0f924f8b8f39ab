package io.pitr.operator.testing;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.pitr.emulator.DynamoDbEmulator;
import io.pitr.emulator.Observations;
import io.pitr.emulator.Operation;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicySpec;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicyStatus;
import io.pitr.operator.api.v1alpha1.PointInTimeRecoverySpecification;
import io.pitr.operator.status.PolicyStatusBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/** Policies on the real API server, and what the emulator saw of the operator's calls. */
public final class Policies {

  private static final Duration CONVERGENCE = Duration.ofSeconds(30);

  private final KubernetesClient client;
  private final DynamoDbEmulator emulator;

  /** Policies on {@code client}'s server; {@code emulator} may be null when another is used. */
  public Policies(KubernetesClient client, DynamoDbEmulator emulator) {
    this.client = client;
    this.emulator = emulator;
  }

  public KubernetesClient client() {
    return client;
  }

  /**
   * The status the API server gives a policy the operator has not written to: the CRD's default (an
   * observedGeneration of -1, so that kstatus reads it as in progress) and nothing else.
   */
  public static ContinuousBackupsPolicyStatus unwrittenStatus() {
    var status = new ContinuousBackupsPolicyStatus();
    status.setObservedGeneration(-1L);
    return status;
  }

  /** A policy object, not yet created; the table is in the operator's default region. */
  public ContinuousBackupsPolicy newPolicy(
      String name, String table, boolean enabled, Integer period) {
    var pitr = new PointInTimeRecoverySpecification();
    pitr.setPointInTimeRecoveryEnabled(enabled);
    pitr.setRecoveryPeriodInDays(period);
    var spec = new ContinuousBackupsPolicySpec();
    spec.setTableName(table);
    spec.setPointInTimeRecoverySpecification(pitr);
    var policy = new ContinuousBackupsPolicy();
    policy.setMetadata(new ObjectMetaBuilder().withName(name).build());
    policy.setSpec(spec);
    return policy;
  }

  public ContinuousBackupsPolicy create(
      String namespace, String name, String table, boolean enabled, Integer period) {
    return client.resource(newPolicy(name, table, enabled, period)).inNamespace(namespace).create();
  }

  public ContinuousBackupsPolicy find(String namespace, String name) {
    return client
        .resources(ContinuousBackupsPolicy.class)
        .inNamespace(namespace)
        .withName(name)
        .get();
  }

  public ContinuousBackupsPolicy get(String namespace, String name) {
    return Objects.requireNonNull(find(namespace, name), namespace + "/" + name + " not found");
  }

  /** Edits a policy, retrying when the operator changed it meanwhile (HTTP 409). */
  public void edit(String namespace, String name, Consumer<ContinuousBackupsPolicy> change) {
    for (int attempt = 1; ; attempt++) {
      try {
        client
            .resources(ContinuousBackupsPolicy.class)
            .inNamespace(namespace)
            .withName(name)
            .edit(
                policy -> {
                  change.accept(policy);
                  return policy;
                });
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 5) {
          throw e;
        }
      }
    }
  }

  public void delete(String namespace, String name) {
    client.resources(ContinuousBackupsPolicy.class).inNamespace(namespace).withName(name).delete();
  }

  /** Waits until the policy is gone from the API server. */
  public void awaitGone(String namespace, String name) {
    await().atMost(CONVERGENCE).until(() -> find(namespace, name) == null);
  }

  /** Deletes every policy in the namespace and waits until they are gone. */
  public void deleteAll(String namespace) {
    client.resources(ContinuousBackupsPolicy.class).inNamespace(namespace).delete();
    await()
        .atMost(CONVERGENCE)
        .until(
            () ->
                client
                    .resources(ContinuousBackupsPolicy.class)
                    .inNamespace(namespace)
                    .list()
                    .getItems()
                    .isEmpty());
  }

  /** Waits until the policy is Ready for its current generation. */
  public ContinuousBackupsPolicy awaitReady(ContinuousBackupsPolicy created) {
    return awaitReady(
        created.getMetadata().getNamespace(),
        created.getMetadata().getName(),
        created.getMetadata().getGeneration());
  }

  /** Waits until the policy is Ready with observedGeneration at least {@code generation}. */
  public ContinuousBackupsPolicy awaitReady(String namespace, String name, long generation) {
    return awaitReady(namespace, name, generation, CONVERGENCE);
  }

  /** Waits until the policy is Ready for {@code generation}, at most {@code within}. */
  public ContinuousBackupsPolicy awaitReady(
      String namespace, String name, long generation, Duration within) {
    try {
      return await()
          .atMost(within)
          .until(
              () -> find(namespace, name),
              policy ->
                  policy != null
                      && policy.getStatus() != null
                      && policy.getStatus().getObservedGeneration() != null
                      && policy.getStatus().getObservedGeneration() >= generation
                      && PolicyStatusBuilder.ready(policy.getStatus())
                          .filter(c -> "True".equals(c.getStatus()))
                          .isPresent());
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      ContinuousBackupsPolicy last = find(namespace, name);
      throw new AssertionError(
          namespace
              + "/"
              + name
              + " was not Ready for generation "
              + generation
              + " within "
              + within
              + "; it is now:\n"
              + (last == null ? "gone" : client.getKubernetesSerialization().asYaml(last))
              + "events: "
              + events(namespace, name),
          e);
    }
  }

  public Optional<Condition> condition(String namespace, String name, String type) {
    ContinuousBackupsPolicy policy = find(namespace, name);
    if (policy == null || policy.getStatus() == null) {
      return Optional.empty();
    }
    return policy.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .findFirst();
  }

  /** Waits for a condition with this status and reason, and returns it. */
  public Condition awaitCondition(
      String namespace, String name, String type, String status, String reason) {
    return await()
        .atMost(CONVERGENCE)
        .until(
            () -> condition(namespace, name, type).orElse(null),
            c -> c != null && status.equals(c.getStatus()) && reason.equals(c.getReason()));
  }

  /** The reasons of the events about a policy, oldest first. */
  public List<String> events(String namespace, String name) {
    return client.events().v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> e.getRegarding() != null && name.equals(e.getRegarding().getName()))
        .map(e -> e.getReason())
        .toList();
  }

  /** The requests the emulator received from the operator (signed with its access key). */
  public List<Observations.RequestRecord> operatorRequests() {
    return emulator.observations().requests().stream()
        .filter(r -> ChartValues.OPERATOR_ACCESS_KEY.equals(r.accessKeyId()))
        .toList();
  }

  /** The operator's calls of {@code operation} naming {@code table} (by name or ARN), in order. */
  public List<Observations.RequestRecord> requests(String table, Operation operation) {
    return operatorRequests().stream()
        .filter(r -> r.operation().equals(operation.apiName()))
        .filter(
            r ->
                table.equals(r.table())
                    || (r.table() != null && r.table().endsWith(":table/" + table)))
        .toList();
  }

  /** How many calls of {@code operation} naming {@code table} the operator made. */
  public long calls(String table, Operation operation) {
    return requests(table, operation).size();
  }

  /** How many calls of {@code operation} the operator made, whatever the table. */
  public long calls(Operation operation) {
    return operatorRequests().stream()
        .filter(r -> r.operation().equals(operation.apiName()))
        .count();
  }

  /** The recovery period a policy's status reports. */
  public static Integer period(ContinuousBackupsPolicy policy) {
    return policy
        .getStatus()
        .getContinuousBackupsDescription()
        .getPointInTimeRecoveryDescription()
        .getRecoveryPeriodInDays();
  }

  /** The point-in-time recovery status a policy's status reports. */
  public static String pitrStatus(ContinuousBackupsPolicy policy) {
    return policy
        .getStatus()
        .getContinuousBackupsDescription()
        .getPointInTimeRecoveryDescription()
        .getPointInTimeRecoveryStatus();
  }
}
