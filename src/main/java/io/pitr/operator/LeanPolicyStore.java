package io.pitr.operator;

import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import java.util.stream.Stream;

/**
 * The informer's store of policies, without their managedFields. Server-side apply records, for
 * every field manager, a tree of the fields it owns: for a policy that is most of its size in
 * memory, and nothing in the operator reads it. Dropping it on the way into the cache keeps the
 * heap per policy small at tens of thousands of policies.
 */
public class LeanPolicyStore implements ItemStore<ContinuousBackupsPolicy> {

  private final BasicItemStore<ContinuousBackupsPolicy> delegate =
      new BasicItemStore<>(Cache::metaNamespaceKeyFunc);

  @Override
  public String getKey(ContinuousBackupsPolicy policy) {
    return delegate.getKey(policy);
  }

  @Override
  public ContinuousBackupsPolicy put(String key, ContinuousBackupsPolicy policy) {
    if (policy.getMetadata() != null) {
      policy.getMetadata().setManagedFields(null);
    }
    return delegate.put(key, policy);
  }

  @Override
  public ContinuousBackupsPolicy remove(String key) {
    return delegate.remove(key);
  }

  @Override
  public Stream<String> keySet() {
    return delegate.keySet();
  }

  @Override
  public Stream<ContinuousBackupsPolicy> values() {
    return delegate.values();
  }

  @Override
  public int size() {
    return delegate.size();
  }

  @Override
  public ContinuousBackupsPolicy get(String key) {
    return delegate.get(key);
  }
}
