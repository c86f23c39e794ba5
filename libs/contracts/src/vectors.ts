/**
 * A sparse vector as Qdrant stores it: parallel arrays, indices are uint32 term ids (hashed terms), sorted
 * ascending, no duplicates.
 */
export interface SparseVector {
  indices: number[];
  values: number[];
}
