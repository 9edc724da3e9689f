import { createHash } from 'node:crypto';

/**
 * Merkle tree hash and audit paths of RFC 6962 section 2.1 (also RFC 9162 section 2.1), over
 * SHA-256: a leaf is SHA-256(0x00 || leaf bytes), an inner node SHA-256(0x01 || left || right),
 * and a tree of n > 1 leaves splits at the largest power of two below n. The empty tree's hash
 * is SHA-256 of nothing. Written out here (some forty lines) rather than taken from a package:
 * the npm Merkle libraries do not follow RFC 6962 by default (no domain separation, odd-node
 * duplication), and an outside verifier must be able to recompute it from the RFC alone.
 */
const sha256 = (...parts: Buffer[]): Buffer => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

export const leafHash = (leaf: Buffer): Buffer => sha256(LEAF, leaf);
const nodeHash = (left: Buffer, right: Buffer): Buffer => sha256(NODE, left, right);

/** The largest power of two smaller than n (n > 1). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]) over leaf hashes already computed. */
function treeHash(leaves: readonly Buffer[], from: number, to: number): Buffer {
  const n = to - from;
  if (n === 1) return leaves[from];
  const k = split(n);
  return nodeHash(treeHash(leaves, from, from + k), treeHash(leaves, from + k, to));
}

/** The root over the leaves' hashes (hex). */
export function merkleRoot(leafHashes: readonly Buffer[]): string {
  if (leafHashes.length === 0) return sha256().toString('hex');
  return treeHash(leafHashes, 0, leafHashes.length).toString('hex');
}

/** PATH(m, D[n]): the sibling hashes from leaf m up to the root, nearest first (hex). */
export function auditPath(leafHashes: readonly Buffer[], index: number): string[] {
  const path: Buffer[] = [];
  const walk = (from: number, to: number, m: number): void => {
    const n = to - from;
    if (n <= 1) return;
    const k = split(n);
    if (m < k) {
      walk(from, from + k, m);
      path.push(treeHash(leafHashes, from + k, to));
    } else {
      walk(from + k, to, m - k);
      path.push(treeHash(leafHashes, from, from + k));
    }
  };
  walk(0, leafHashes.length, index);
  return path.map((hash) => hash.toString('hex'));
}

/**
 * RFC 9162 2.1.3.2: whether `leaf` at `index` of a tree of `size` leaves, with `path`, gives
 * `root`. What an outside party runs on a proof from GET /v1/audit/customers/:id/verify.
 */
export function verifyAuditPath(
  leaf: Buffer,
  index: number,
  size: number,
  path: readonly string[],
  root: string,
): boolean {
  if (index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash(leaf);
  for (const sibling of path.map((hex) => Buffer.from(hex, 'hex'))) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(sibling, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, sibling);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.toString('hex') === root;
}

/** Whether n (> 0) is a power of two. */
const isPowerOfTwo = (n: number): boolean => (n & (n - 1)) === 0;

/**
 * The same RFC 6962 tree, kept up to date leaf by leaf: every complete, aligned subtree's hash
 * is cached level by level, so replacing or appending a leaf costs O(log n) hashes, and the root
 * and an audit path O(log² n), however many leaves (streams) there are. Leaves are only ever
 * appended or replaced, never inserted: the checkpoints order streams by first appearance.
 */
export class MerkleTree {
  /** levels[h][i]: hash of leaves [i·2^h, (i+1)·2^h), for each such range that is complete. */
  private readonly levels: Buffer[][] = [[]];

  get size(): number {
    return this.levels[0].length;
  }

  /** The leaf hash at `index`. */
  leaf(index: number): Buffer {
    return this.levels[0][index];
  }

  /** Replaces leaf `index` (its leaf hash) and the cached subtrees above it. */
  set(index: number, hash: Buffer): void {
    this.levels[0][index] = hash;
    this.rehashAbove(index);
  }

  /** Appends a leaf (its leaf hash); returns its index. */
  append(hash: Buffer): number {
    const index = this.levels[0].length;
    this.levels[0].push(hash);
    this.rehashAbove(index);
    return index;
  }

  /** Removes the last `count` leaves (undoes appends). */
  truncate(count: number): void {
    let size = this.levels[0].length - count;
    for (const level of this.levels) {
      level.length = size;
      size = Math.floor(size / 2);
    }
  }

  root(): string {
    return this.size === 0 ? merkleRoot([]) : this.rangeHash(0, this.size).toString('hex');
  }

  /** PATH(index, D[n]) of RFC 6962, nearest sibling first (hex). */
  auditPath(index: number): string[] {
    const path: Buffer[] = [];
    const walk = (start: number, n: number, m: number): void => {
      if (n <= 1) return;
      const k = split(n);
      if (m < k) {
        walk(start, k, m);
        path.push(this.rangeHash(start + k, n - k));
      } else {
        walk(start + k, n - k, m - k);
        path.push(this.rangeHash(start, k));
      }
    };
    walk(0, this.size, index);
    return path.map((hash) => hash.toString('hex'));
  }

  /** MTH of leaves [start, start + n): cached when complete (every such range is aligned). */
  private rangeHash(start: number, n: number): Buffer {
    if (isPowerOfTwo(n)) {
      const height = Math.log2(n);
      return this.levels[height][start / n];
    }
    const k = split(n);
    return nodeHash(this.rangeHash(start, k), this.rangeHash(start + k, n - k));
  }

  private rehashAbove(index: number): void {
    for (let height = 1; ; height++) {
      const below = this.levels[height - 1];
      index = Math.floor(index / 2);
      if (2 * index + 1 >= below.length) return; // that subtree is not complete yet
      (this.levels[height] ??= [])[index] = nodeHash(below[2 * index], below[2 * index + 1]);
    }
  }
}
