package dev.stowage.api.v1alpha1;

import java.util.List;

/**
 * What every Stowage status has: conditions and the generation they were computed from. A Java view
 * only; it adds nothing to the CRD schema.
 */
public interface ObservedStatus {

  List<Condition> getConditions();

  Long getObservedGeneration();

  void setObservedGeneration(Long observedGeneration);
}
