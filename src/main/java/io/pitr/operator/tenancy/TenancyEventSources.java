package io.pitr.operator.tenancy;

import io.fabric8.kubernetes.api.model.Namespace;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicyStatus;
import io.pitr.operator.api.v1alpha1.DynamoDbAccountBinding;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What tenancy on reads, as the policy controller's event sources: the account bindings and the
 * namespaces (whose labels bindings select by), each informer waking the policies whose decision
 * its change may alter; and {@link AccountBindings} deciding from their caches.
 *
 * @param namespaces the namespaces' informer
 * @param bindings the bindings' informer
 * @param tenancy the decision, reading both caches
 */
public record TenancyEventSources(
    InformerEventSource<Namespace, ContinuousBackupsPolicy> namespaces,
    InformerEventSource<DynamoDbAccountBinding, ContinuousBackupsPolicy> bindings,
    AccountBindings tenancy) {

  /**
   * @param context the policy controller's
   * @param wake the policies to reconcile for these policies (they, and whoever else names their
   *     tables, since which policy manages a table may change with them)
   * @param changed told of every change either informer maps (what else decides by tenancy: the
   *     policy sets)
   * @param ownAccount the operator's own account in a region, when known
   */
  public static TenancyEventSources create(
      EventSourceContext<ContinuousBackupsPolicy> context,
      Function<Stream<ContinuousBackupsPolicy>, Set<ResourceID>> wake,
      Runnable changed,
      Function<String, Optional<String>> ownAccount) {
    var policies = context.getPrimaryCache();
    var namespaces =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Namespace.class, ContinuousBackupsPolicy.class)
                .withName("namespaces")
                .withWatchAllNamespaces()
                // Only labels decide which bindings apply to a namespace.
                .withOnUpdateFilter(
                    (now, before) ->
                        !Objects.equals(
                            now.getMetadata().getLabels(), before.getMetadata().getLabels()))
                .withSecondaryToPrimaryMapper(
                    namespace -> {
                      changed.run();
                      return wake.apply(policies.list(namespace.getMetadata().getName()));
                    })
                .withPrimaryToSecondaryMapper(
                    (ContinuousBackupsPolicy policy) ->
                        Set.of(new ResourceID(policy.getMetadata().getNamespace())))
                .build(),
            context);
    var bindings =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(
                    DynamoDbAccountBinding.class, ContinuousBackupsPolicy.class)
                .withName("accountbindings")
                .withWatchAllNamespaces()
                // Bindings are few and changed by administrators: a change of one re-decides every
                // policy, so that none waits (the JOSDK maps only the binding's new state, which
                // says nothing of the namespaces or tables it no longer covers).
                .withSecondaryToPrimaryMapper(
                    binding -> {
                      changed.run();
                      return policies
                          .list()
                          .map(ResourceID::fromResource)
                          .collect(Collectors.toSet());
                    })
                .withPrimaryToSecondaryMapper(
                    (ContinuousBackupsPolicy policy) ->
                        Optional.ofNullable(policy.getStatus())
                            .map(ContinuousBackupsPolicyStatus::getAccountBinding)
                            .map(name -> Set.of(new ResourceID(name)))
                            .orElse(Set.of()))
                .build(),
            context);
    var tenancy =
        new AccountBindings(
            () -> bindings.list().toList(),
            namespace ->
                namespaces
                    .get(new ResourceID(namespace))
                    .map(
                        found ->
                            Objects.requireNonNullElse(
                                found.getMetadata().getLabels(), Map.<String, String>of())),
            ownAccount);
    return new TenancyEventSources(namespaces, bindings, tenancy);
  }

  /** The informers, to register with the controller. */
  public List<InformerEventSource<?, ContinuousBackupsPolicy>> sources() {
    return List.of(namespaces, bindings);
  }
}
