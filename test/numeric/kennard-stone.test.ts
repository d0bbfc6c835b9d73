import { classwiseKennardStoneSplit, explicitSplit, kennardStoneOrder, kennardStoneSplit } from '../../src/numeric/splits';
import { UserInputError } from '../../src/errors';

describe('Kennard-Stone', () => {
  it('orders a hand-checked example: farthest pair, then the farthest from the chosen', () => {
    // 1-D points 0, 1, 2, 3, 10: the pair (0, 10); then 3 (3 from 0); then 1 and 2 both at 1,
    // the tie going to the lower row.
    expect(kennardStoneOrder([0, 1, 2, 3, 10], 5, 1)).toEqual([0, 4, 3, 1, 2]);
    // 2-D: the corners of a unit square and its centre; the diagonal (0, 3) first, then the other
    // corners (distance² 1 each, tie to the lower row), the centre last.
    const square = [0, 0, 1, 0, 0, 1, 1, 1, 0.5, 0.5];
    expect(kennardStoneOrder(square, 5, 2)).toEqual([0, 3, 1, 2, 4]);
  });

  it('splits off the last testFraction of the order as the test set', () => {
    const split = kennardStoneSplit([0, 1, 2, 3, 10], 1, [0, 0, 1, 1, 1], 0.4);
    expect(Array.from(split.train)).toEqual([0, 3, 4]);
    expect(Array.from(split.test)).toEqual([1, 2]);
    expect(() => kennardStoneSplit([0, 1, 2], 1, [0, 0, 0], 1)).toThrow(UserInputError);
  });

  it('class-wise: each class split on its own rows, keeping its share', () => {
    // Class 0 at 0, 1, 2, 3, 10 (rows 0..4) and class 1 at 100, 101, 105, 200 (rows 5..8).
    const x = [0, 1, 2, 3, 10, 100, 101, 105, 200];
    const y = [0, 0, 0, 0, 0, 1, 1, 1, 1];
    const split = classwiseKennardStoneSplit(x, 1, y, 0.4);
    // Class 0 as above: test rows 1, 2. Class 1: order 5 (100), 8 (200), 7 (105), 6 (101); 4 - round(1.6) = 2 train.
    expect(Array.from(split.test)).toEqual([1, 2, 6, 7]);
    expect(Array.from(split.train)).toEqual([0, 3, 4, 5, 8]);
    // The plain split on the same rows ignores classes: class 1 spans most of the space.
    const plain = kennardStoneSplit(x, 1, y, 0.4);
    expect(plain.test.length + plain.train.length).toBe(9);
    expect(() => classwiseKennardStoneSplit([0, 1, 2, 3], 1, [0, 0, 1, 1], 0.5)).toThrow(/at least 3 rows per class/);
  });

  it('explicit split: the given rows, checked', () => {
    expect(explicitSplit(5, [4, 1], null)).toEqual({ train: Int32Array.from([0, 2, 3]), test: Int32Array.from([1, 4]) });
    expect(explicitSplit(5, [4], [0, 1])).toEqual({ train: Int32Array.from([0, 1]), test: Int32Array.from([4]) });
    expect(() => explicitSplit(5, [5], null)).toThrow(/outside 0..4/);
    expect(() => explicitSplit(5, [1, 1], null)).toThrow(/twice/);
    expect(() => explicitSplit(5, [1], [1, 2])).toThrow(/both/);
    expect(() => explicitSplit(5, [], null)).toThrow(UserInputError);
  });
});
