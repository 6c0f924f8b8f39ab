package io.pitr.operator.tenancy;

import io.pitr.operator.pitr.AwsAccess;
import io.pitr.operator.pitr.ConditionReason;
import io.pitr.operator.pitr.Outcome.NotReady;
import java.util.Optional;
import java.util.function.Function;

/**
 * Who may manage which table, in which account, reached how: decides for each policy before any AWS
 * call. Off ({@link #off}): every policy acts with the operator's own identity in its own account,
 * as in a single-team cluster. Enforced ({@link AccountBindings}): only what a
 * DynamoDbAccountBinding allows the policy's namespace.
 */
public interface Tenancy {

  /**
   * What a policy asks for.
   *
   * @param namespace the policy's namespace
   * @param name the policy's name
   * @param tableName the table
   * @param region the table's region
   * @param bindingName the binding the policy names (spec.accountBinding), if any
   * @param pinnedAccount the account the policy manages its table in (status.accountId), if known
   * @param lastBinding the binding it was last permitted through (status.accountBinding), if any
   */
  record Claim(
      String namespace,
      String name,
      String tableName,
      String region,
      Optional<String> bindingName,
      Optional<String> pinnedAccount,
      Optional<String> lastBinding) {}

  /** The answer for one policy. */
  sealed interface Resolution permits Permitted, Refused {}

  /**
   * The policy may manage its table, reaching it so.
   *
   * @param access the account and how to reach it
   * @param bindingName the binding that permits it, if tenancy is on
   */
  record Permitted(AwsAccess access, Optional<String> bindingName) implements Resolution {}

  /** The policy may not manage its table; no AWS call is to be made for it. */
  record Refused(NotReady outcome) implements Resolution {}

  /** Decides a claim. */
  Resolution resolve(Claim claim);

  /**
   * Where a policy set in {@code namespace} lists the tables of {@code region}, before any table is
   * known: the account and how to reach it (each table it selects is then decided by {@link
   * #resolve}). This default is tenancy off's: the operator's own identity, unless the set names a
   * binding.
   *
   * @param name the set's name (a role session is named and tagged after it)
   * @param bindingName the binding the set names (spec.accountBinding), if any
   */
  default Resolution resolveScope(
      String namespace, String name, String region, Optional<String> bindingName) {
    if (bindingName.isPresent()) {
      return bindingWithTenancyOff(bindingName.get());
    }
    return new Permitted(AwsAccess.own(""), Optional.empty());
  }

  /**
   * Tenancy off: the operator's own identity, in its own account (which tables are not told apart
   * by, since there is only one). A policy that names a binding is refused rather than pointed at
   * the operator's own account; so is one that was applied in another account while tenancy was on
   * (status.accountId), unless the operator's own account is known to be that one.
   *
   * @param ownAccount the operator's own account in a region, when known
   */
  static Tenancy off(Function<String, Optional<String>> ownAccount) {
    return claim -> {
      if (claim.bindingName().isPresent()) {
        return bindingWithTenancyOff(claim.bindingName().get());
      }
      Optional<String> pinned = claim.pinnedAccount().filter(id -> !id.isEmpty());
      if (pinned.isPresent()) {
        Optional<String> own = ownAccount.apply(claim.region());
        if (!own.equals(pinned)) {
          return new Refused(
              new NotReady(
                  ConditionReason.AccountChanged,
                  "The policy manages table "
                      + claim.tableName()
                      + " in account "
                      + pinned.get()
                      + " (status.accountId), but with tenancy off the operator acts in its own"
                      + " account, "
                      + own.map(id -> "which is " + id).orElse("which it does not know")
                      + ". It does not follow: turn tenancy back on, or create a new policy."));
        }
      }
      return new Permitted(AwsAccess.own(""), Optional.empty());
    };
  }

  /** Tenancy off refuses a policy or set that names a binding, rather than ignore it. */
  private static Refused bindingWithTenancyOff(String bindingName) {
    return new Refused(
        new NotReady(
            ConditionReason.NotPermitted,
            "spec.accountBinding names "
                + bindingName
                + ", but this operator runs with tenancy off (pitr.tenancy.enabled=false): it"
                + " acts only with its own AWS identity, in its own account. Remove"
                + " spec.accountBinding, or ask the cluster's administrators to turn tenancy"
                + " on."));
  }
}
