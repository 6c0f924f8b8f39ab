package io.pitr.operator.tenancy;

import io.pitr.operator.api.v1alpha1.AssumeRole;
import io.pitr.operator.api.v1alpha1.DynamoDbAccountBinding;
import io.pitr.operator.api.v1alpha1.DynamoDbAccountBindingSpec;
import io.pitr.operator.api.v1alpha1.NamespaceSelection;
import io.pitr.operator.pitr.AwsAccess;
import io.pitr.operator.pitr.ConditionReason;
import io.pitr.operator.pitr.Outcome.NotReady;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Tenancy enforced: a policy may manage its table only through a DynamoDbAccountBinding that
 * applies to its namespace (by name or by the namespace's labels) and allows its region and table
 * name. A policy that names a binding (spec.accountBinding) uses that one or none; a policy that
 * names none uses the one binding that fits, and is refused when several fit that differ in account
 * or role. Pure: the bindings and namespace labels come from the informers' caches.
 */
public final class AccountBindings implements Tenancy {

  /** Session tag keys, on every session the operator opens for a policy. */
  public static final String NAMESPACE_TAG = "pitr-namespace";

  public static final String POLICY_TAG = "pitr-policy";

  private static final int MAX_SESSION_NAME = 64;

  private final Supplier<Collection<DynamoDbAccountBinding>> bindings;
  private final Function<String, Optional<Map<String, String>>> namespaceLabels;
  private final Function<String, Optional<String>> ownAccount;

  /**
   * @param bindings every binding, as the cache knows them now
   * @param namespaceLabels a namespace's labels, empty when the namespace is not known
   * @param ownAccount the operator's own account in a region, when known: a binding without a role
   *     must name it
   */
  public AccountBindings(
      Supplier<Collection<DynamoDbAccountBinding>> bindings,
      Function<String, Optional<Map<String, String>>> namespaceLabels,
      Function<String, Optional<String>> ownAccount) {
    this.bindings = bindings;
    this.namespaceLabels = namespaceLabels;
    this.ownAccount = ownAccount;
  }

  @Override
  public Resolution resolve(Claim claim) {
    Map<String, String> labels = namespaceLabels.apply(claim.namespace()).orElse(Map.of());
    if (claim.bindingName().isPresent()) {
      return named(claim, claim.bindingName().get(), labels);
    }
    List<DynamoDbAccountBinding> fitting =
        bindings.get().stream()
            .filter(binding -> mismatch(binding, claim, labels).isEmpty())
            .sorted(Comparator.comparing(binding -> binding.getMetadata().getName()))
            .toList();
    if (fitting.isEmpty()) {
      return refused(
          ConditionReason.NotPermitted,
          "No DynamoDbAccountBinding lets namespace "
              + claim.namespace()
              + " manage table "
              + claim.tableName()
              + " in "
              + claim.region()
              + ": ask the cluster's administrators for one (kubectl get dynamodbaccountbindings).");
    }
    // Where the policy already acts, its account and then its binding settle it: a binding added
    // later that also fits does not stall a policy that works.
    Optional<String> pinned = claim.pinnedAccount().filter(id -> !id.isEmpty());
    List<DynamoDbAccountBinding> inPinned =
        pinned.isEmpty()
            ? fitting
            : fitting.stream()
                .filter(binding -> binding.getSpec().getAccountId().equals(pinned.get()))
                .toList();
    List<DynamoDbAccountBinding> candidates = inPinned.isEmpty() ? fitting : inPinned;
    Optional<DynamoDbAccountBinding> last =
        candidates.stream()
            .filter(
                binding -> claim.lastBinding().equals(Optional.of(binding.getMetadata().getName())))
            .findFirst();
    if (last.isPresent()) {
      return permitted(claim, last.get());
    }
    DynamoDbAccountBinding first = candidates.get(0);
    if (candidates.stream().anyMatch(other -> !sameAccess(first, other))) {
      return refused(
          ConditionReason.AmbiguousAccountBinding,
          "DynamoDbAccountBindings "
              + candidates.stream().map(AccountBindings::describe).collect(Collectors.joining(", "))
              + " all let namespace "
              + claim.namespace()
              + " manage table "
              + claim.tableName()
              + " in "
              + claim.region()
              + ": choose one with spec.accountBinding.");
    }
    return permitted(claim, first);
  }

  /**
   * A policy set lists tables through the binding it names, or else through the bindings that apply
   * to its namespace and allow its region, whatever tables they allow, if they all reach one
   * account the same way; each table it selects is then decided by {@link #resolve}.
   */
  @Override
  public Resolution resolveScope(
      String namespace, String name, String region, Optional<String> bindingName) {
    Claim claim =
        new Claim(namespace, name, null, region, bindingName, Optional.empty(), Optional.empty());
    Map<String, String> labels = namespaceLabels.apply(namespace).orElse(Map.of());
    if (bindingName.isPresent()) {
      return named(claim, bindingName.get(), labels);
    }
    List<DynamoDbAccountBinding> fitting =
        bindings.get().stream()
            .filter(binding -> mismatch(binding, claim, labels).isEmpty())
            .sorted(Comparator.comparing(binding -> binding.getMetadata().getName()))
            .toList();
    if (fitting.isEmpty()) {
      return refused(
          ConditionReason.NotPermitted,
          "No DynamoDbAccountBinding lets namespace "
              + namespace
              + " manage tables in "
              + region
              + ": ask the cluster's administrators for one (kubectl get dynamodbaccountbindings).");
    }
    DynamoDbAccountBinding first = fitting.get(0);
    if (fitting.stream().anyMatch(other -> !sameAccess(first, other))) {
      return refused(
          ConditionReason.AmbiguousAccountBinding,
          "DynamoDbAccountBindings "
              + fitting.stream().map(AccountBindings::describe).collect(Collectors.joining(", "))
              + " all let namespace "
              + namespace
              + " manage tables in "
              + region
              + ": choose one with spec.accountBinding.");
    }
    return permitted(claim, first);
  }

  private Resolution named(Claim claim, String name, Map<String, String> labels) {
    Optional<DynamoDbAccountBinding> binding =
        bindings.get().stream()
            .filter(candidate -> candidate.getMetadata().getName().equals(name))
            .findFirst();
    if (binding.isEmpty()) {
      return refused(
          ConditionReason.NotPermitted,
          "DynamoDbAccountBinding " + name + " (spec.accountBinding) does not exist.");
    }
    Optional<String> why = mismatch(binding.get(), claim, labels);
    if (why.isPresent()) {
      return refused(
          ConditionReason.NotPermitted,
          "DynamoDbAccountBinding " + name + " (spec.accountBinding) " + why.get() + ".");
    }
    return permitted(claim, binding.get());
  }

  /** How the binding does not fit the claim (its namespaces, regions, tables), if it does not. */
  private static Optional<String> mismatch(
      DynamoDbAccountBinding binding, Claim claim, Map<String, String> labels) {
    DynamoDbAccountBindingSpec spec = binding.getSpec();
    if (spec == null) {
      return Optional.of("has no spec");
    }
    if (!appliesTo(spec.getNamespaces(), claim.namespace(), labels)) {
      return Optional.of("does not apply to namespace " + claim.namespace());
    }
    List<String> regions = Objects.requireNonNullElse(spec.getRegions(), List.of());
    if (!regions.contains(claim.region())) {
      return Optional.of(
          "does not allow region " + claim.region() + " (it allows " + regions + ")");
    }
    if (claim.tableName() == null) {
      // A policy set's scope: its tables are decided one by one.
      return Optional.empty();
    }
    List<String> tables = Objects.requireNonNullElse(spec.getTableNames(), List.of());
    if (tables.stream()
        .noneMatch(pattern -> TableNamePattern.matches(pattern, claim.tableName()))) {
      return Optional.of(
          "does not allow table " + claim.tableName() + " (it allows " + tables + ")");
    }
    return Optional.empty();
  }

  private static boolean appliesTo(
      NamespaceSelection selection, String namespace, Map<String, String> labels) {
    if (selection == null) {
      return false;
    }
    if (selection.getNames() != null && selection.getNames().contains(namespace)) {
      return true;
    }
    return selection.getSelector() != null
        && LabelSelectors.matches(selection.getSelector(), labels);
  }

  private Resolution permitted(Claim claim, DynamoDbAccountBinding binding) {
    DynamoDbAccountBindingSpec spec = binding.getSpec();
    AssumeRole role = spec.getAssumeRole();
    String name = binding.getMetadata().getName();
    if (role == null) {
      // The operator's own identity: its account is a fact, not the binding's to declare.
      Optional<String> own = ownAccount.apply(claim.region());
      if (own.isEmpty()) {
        return refused(
            ConditionReason.AccountUnknown,
            "DynamoDbAccountBinding "
                + name
                + " has no assumeRole, so the operator's own identity must be in account "
                + spec.getAccountId()
                + ", and the operator does not know its own account yet (STS GetCallerIdentity;"
                + " or set pitr.aws.account-id).");
      }
      if (!own.get().equals(spec.getAccountId())) {
        return refused(
            ConditionReason.NotPermitted,
            "DynamoDbAccountBinding "
                + name
                + " has no assumeRole and names account "
                + spec.getAccountId()
                + ", but the operator's own identity is in account "
                + own.get()
                + ": give the binding a role in its account, or correct accountId.");
      }
    }
    AwsAccess access =
        new AwsAccess(
            spec.getAccountId(),
            Optional.ofNullable(role)
                .map(
                    r ->
                        new AwsAccess.AssumedRole(
                            r.getRoleArn(),
                            r.getExternalId(),
                            Optional.ofNullable(r.getDurationSeconds()),
                            sessionName(claim.namespace(), claim.name()),
                            Map.of(NAMESPACE_TAG, claim.namespace(), POLICY_TAG, claim.name()))));
    return pinned(claim, access, Optional.of(name));
  }

  /**
   * {@code access} for the claim, unless the policy manages its table in another account: a policy
   * is never pointed at a table of another account.
   */
  private static Resolution pinned(Claim claim, AwsAccess access, Optional<String> bindingName) {
    Optional<String> pinned = claim.pinnedAccount().filter(id -> !id.isEmpty());
    if (pinned.isPresent()
        && !access.accountId().isEmpty()
        && !pinned.get().equals(access.accountId())) {
      return new Refused(
          new NotReady(
              ConditionReason.AccountChanged,
              "The policy manages table "
                  + claim.tableName()
                  + " in account "
                  + pinned.get()
                  + " (status.accountId), but "
                  + bindingName.map(name -> "its binding " + name).orElse("the operator")
                  + " now reaches account "
                  + access.accountId()
                  + ". The operator does not follow, so as not to act on another account's"
                  + " table: to manage that one, create a new policy."));
    }
    return new Permitted(access, bindingName);
  }

  /**
   * {@code namespace.name}, which CloudTrail shows with every call the session makes; when longer
   * than STS allows (64), shortened and made unique again with a hash of the whole.
   */
  static String sessionName(String namespace, String name) {
    String full = namespace + "." + name;
    if (full.length() <= MAX_SESSION_NAME) {
      return full;
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(full.getBytes(StandardCharsets.UTF_8));
      String hash = HexFormat.of().formatHex(digest, 0, 4);
      return full.substring(0, MAX_SESSION_NAME - hash.length() - 1) + "-" + hash;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  /** Whether two bindings reach the same account the same way (role, ExternalId, lifetime). */
  private static boolean sameAccess(DynamoDbAccountBinding a, DynamoDbAccountBinding b) {
    AssumeRole roleA = a.getSpec().getAssumeRole();
    AssumeRole roleB = b.getSpec().getAssumeRole();
    return a.getSpec().getAccountId().equals(b.getSpec().getAccountId())
        && (roleA == null
            ? roleB == null
            : roleB != null
                && roleA.getRoleArn().equals(roleB.getRoleArn())
                && roleA.getExternalId().equals(roleB.getExternalId())
                && Objects.equals(roleA.getDurationSeconds(), roleB.getDurationSeconds()));
  }

  private static String roleArn(DynamoDbAccountBinding binding) {
    AssumeRole role = binding.getSpec().getAssumeRole();
    return role == null ? null : role.getRoleArn();
  }

  private static String describe(DynamoDbAccountBinding binding) {
    String role = roleArn(binding);
    return binding.getMetadata().getName()
        + " (account "
        + binding.getSpec().getAccountId()
        + (role == null ? "" : ", role " + role)
        + ")";
  }

  private static Resolution refused(ConditionReason reason, String message) {
    return new Refused(new NotReady(reason, message));
  }
}
