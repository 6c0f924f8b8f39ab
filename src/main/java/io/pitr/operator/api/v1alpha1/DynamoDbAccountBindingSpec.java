package io.pitr.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** Which namespaces may manage which tables, in which account and regions, reached how. */
@ValidationRule(
    value = "self.accountId == oldSelf.accountId",
    message =
        "accountId is immutable: create another binding for another account, so that no policy"
            + " is silently pointed at a table of another account",
    fieldPath = ".accountId",
    reason = "FieldValueForbidden")
@ValidationRule(
    value =
        "has(self.assumeRole) == has(oldSelf.assumeRole)"
            + " && (!has(self.assumeRole) || self.assumeRole.roleArn == oldSelf.assumeRole.roleArn)",
    message = "assumeRole.roleArn is immutable: create another binding for another role",
    fieldPath = ".assumeRole",
    reason = "FieldValueForbidden")
@ValidationRule(
    value = "!has(self.assumeRole) || self.assumeRole.roleArn.split(':')[4] == self.accountId",
    message = "assumeRole.roleArn must be a role of the binding's account (accountId)",
    fieldPath = ".assumeRole.roleArn",
    reason = "FieldValueInvalid")
public class DynamoDbAccountBindingSpec {

  @Required
  @Pattern("^[0-9]{12}$")
  @JsonPropertyDescription(
      "The 12-digit AWS account whose tables this binding covers. Immutable. With no assumeRole,"
          + " the operator's own identity must be in this account.")
  private String accountId;

  @JsonPropertyDescription(
      "How the operator reaches the account: by assuming this IAM role through STS, with an"
          + " ExternalId and session tags naming the policy (pitr-namespace, pitr-policy). Omit it"
          + " to use the operator's own AWS identity. Immutable once set.")
  private AssumeRole assumeRole;

  @Required
  @Size(min = 1, max = 64)
  @JsonPropertyDescription("The regions in which the tables may be managed, e.g. [eu-west-1].")
  private List<@Size(max = 32) @Pattern("^[a-z]{2}(-[a-z]+)+-[0-9]+$") String> regions;

  @Required
  @Size(min = 1, max = 256)
  @JsonPropertyDescription(
      "The table names that may be managed: exact names or patterns in which '*' stands for any"
          + " run of table-name characters and '?' for one, for example payments-* or ledger.")
  private List<@Size(min = 1, max = 255) @Pattern("^[a-zA-Z0-9_.*?-]+$") String> tableNames;

  @Required
  @JsonPropertyDescription("The namespaces whose policies may use this binding.")
  private NamespaceSelection namespaces;

  public String getAccountId() {
    return accountId;
  }

  public void setAccountId(String accountId) {
    this.accountId = accountId;
  }

  public AssumeRole getAssumeRole() {
    return assumeRole;
  }

  public void setAssumeRole(AssumeRole assumeRole) {
    this.assumeRole = assumeRole;
  }

  public List<String> getRegions() {
    return regions;
  }

  public void setRegions(List<String> regions) {
    this.regions = regions;
  }

  public List<String> getTableNames() {
    return tableNames;
  }

  public void setTableNames(List<String> tableNames) {
    this.tableNames = tableNames;
  }

  public NamespaceSelection getNamespaces() {
    return namespaces;
  }

  public void setNamespaces(NamespaceSelection namespaces) {
    this.namespaces = namespaces;
  }
}
