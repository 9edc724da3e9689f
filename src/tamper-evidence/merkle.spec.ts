import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { auditPath, leafHash, merkleRoot, MerkleTree, verifyAuditPath } from './merkle';

const sha = (...parts: Buffer[]) => {
  const hash = createHash('sha256');
  parts.forEach((part) => hash.update(part));
  return hash.digest();
};
const leaves = (n: number) => Array.from({ length: n }, (_, index) => Buffer.from(`leaf-${index}`));

describe('RFC 6962 Merkle tree', () => {
  it('hashes the empty tree, one leaf and three leaves as the RFC defines them', () => {
    expect(merkleRoot([])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const [a, b, c] = leaves(3);
    expect(merkleRoot([leafHash(a)])).toBe(sha(Buffer.from([0]), a).toString('hex'));
    const node = (l: Buffer, r: Buffer) => sha(Buffer.from([1]), l, r);
    // n = 3 splits at k = 2: MTH(a, b) and MTH(c).
    expect(merkleRoot([a, b, c].map(leafHash))).toBe(
      node(node(leafHash(a), leafHash(b)), leafHash(c)).toString('hex'),
    );
  });

  it('gives audit paths that verify for every leaf of every size up to 33, and only for it', () => {
    for (let size = 1; size <= 33; size++) {
      const data = leaves(size);
      const hashes = data.map(leafHash);
      const root = merkleRoot(hashes);
      for (let index = 0; index < size; index++) {
        const path = auditPath(hashes, index);
        expect(verifyAuditPath(data[index], index, size, path, root)).toBe(true);
        expect(verifyAuditPath(Buffer.from('other'), index, size, path, root)).toBe(false);
        if (size > 1)
          expect(verifyAuditPath(data[index], (index + 1) % size, size, path, root)).toBe(false);
      }
      expect(verifyAuditPath(data[0], size, size, [], root)).toBe(false);
    }
  });

  it('kept leaf by leaf, gives the same root and audit paths as computed from scratch', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('append' as const), value: fc.string() }),
            fc.record({ op: fc.constant('set' as const), at: fc.nat(), value: fc.string() }),
            fc.record({ op: fc.constant('truncate' as const), count: fc.nat({ max: 3 }) }),
          ),
          { maxLength: 80, size: 'max' },
        ),
        (operations) => {
          const tree = new MerkleTree();
          const plain: Buffer[] = [];
          for (const operation of operations) {
            if (operation.op === 'append') {
              const hash = leafHash(Buffer.from(operation.value));
              expect(tree.append(hash)).toBe(plain.length);
              plain.push(hash);
            } else if (operation.op === 'set' && plain.length > 0) {
              const at = operation.at % plain.length;
              plain[at] = leafHash(Buffer.from(operation.value));
              tree.set(at, plain[at]);
            } else if (operation.op === 'truncate') {
              const count = Math.min(operation.count, plain.length);
              tree.truncate(count);
              plain.length -= count;
            }
            expect(tree.size).toBe(plain.length);
            expect(tree.root()).toBe(merkleRoot(plain));
          }
          for (let index = 0; index < plain.length; index++)
            expect(tree.auditPath(index)).toEqual(auditPath(plain, index));
        },
      ),
      { numRuns: 300 },
    );
  });
});
