package io.pitr.emulator;

import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A role that AssumeRole may assume: its trust policy reduced to what cross-account access by a
 * third party relies on, an {@code sts:ExternalId} condition and the accounts it trusts.
 *
 * @param roleArn the role's ARN, {@code arn:aws:iam::ACCOUNT:role/NAME}, a path allowed before NAME
 * @param externalId the ExternalId every AssumeRole of this role must send (2 to 1224 of {@code
 *     [\w+=,.@:\/-]}, what STS accepts)
 * @param trustedAccounts the accounts whose callers may assume it; empty: any account
 */
public record AssumableRole(String roleArn, String externalId, Set<String> trustedAccounts) {

  private static final Pattern ROLE_ARN =
      Pattern.compile(
          "arn:(aws|aws-cn|aws-us-gov):iam::(\\d{12}):role/(?:[\\w+=,.@/-]+/)?([\\w+=,.@-]{1,64})");

  /** STS's pattern for ExternalId, written as its API model writes it. */
  static final Pattern EXTERNAL_ID = Pattern.compile("[\\w+=,.@:\\/-]*");

  public AssumableRole {
    Objects.requireNonNull(roleArn, "roleArn");
    Objects.requireNonNull(externalId, "externalId");
    if (!ROLE_ARN.matcher(roleArn).matches()) {
      throw new IllegalArgumentException(
          "roleArn must be arn:aws:iam::ACCOUNT:role/NAME, was " + roleArn);
    }
    if (externalId.length() < 2
        || externalId.length() > 1224
        || !EXTERNAL_ID.matcher(externalId).matches()) {
      throw new IllegalArgumentException(
          "externalId must be 2 to 1224 of " + EXTERNAL_ID.pattern() + ", was " + externalId);
    }
    trustedAccounts = Set.copyOf(Objects.requireNonNull(trustedAccounts, "trustedAccounts"));
    for (String account : trustedAccounts) {
      if (!account.matches("\\d{12}")) {
        throw new IllegalArgumentException("trusted accounts are 12 digits, was " + account);
      }
    }
  }

  /** A role that callers of any account may assume with the ExternalId. */
  public static AssumableRole trustingAnyAccount(String roleArn, String externalId) {
    return new AssumableRole(roleArn, externalId, Set.of());
  }

  /** The account that owns the role, where its sessions act. */
  public String accountId() {
    return arnPart(2);
  }

  /** The role's name without its path, as it appears in an assumed-role ARN. */
  public String roleName() {
    return arnPart(3);
  }

  /** The ARN partition: aws, aws-cn or aws-us-gov. */
  public String partition() {
    return arnPart(1);
  }

  /** Whether a caller of {@code accountId} is trusted. */
  public boolean trusts(String accountId) {
    return trustedAccounts.isEmpty() || trustedAccounts.contains(accountId);
  }

  private String arnPart(int group) {
    Matcher matcher = ROLE_ARN.matcher(roleArn);
    matcher.matches();
    return matcher.group(group);
  }
}
