package io.pitr.operator.tenancy;

/**
 * Whether tenancy is enforced.
 *
 * @param enabled on: policies act only through the DynamoDbAccountBindings that allow them; off:
 *     every policy acts with the operator's own AWS identity, and bindings are not read
 */
public record TenancySettings(boolean enabled) {}
