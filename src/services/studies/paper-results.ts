/** What the paper reports (Zhao et al. 2025, ../METHOD.md), to print beside our numbers. */
export type PaperDataset = 'mango' | 'tablet' | 'coal';

/** Table 4: accuracy / macro F1 under 5-fold CV. */
export const PAPER_TABLE4: Record<string, Record<PaperDataset, [number, number]>> = {
  'random-forest': { mango: [0.8872, 0.8902], tablet: [0.8516, 0.8509], coal: [0.6637, 0.6634] },
  svm: { mango: [0.855, 0.8548], tablet: [0.9129, 0.9104], coal: [0.9334, 0.9332] },
  knn: { mango: [0.839, 0.8402], tablet: [0.8548, 0.8487], coal: [0.5981, 0.5965] },
  elm: { mango: [0.9622, 0.9587], tablet: [0.9426, 0.9393], coal: [0.9234, 0.9198] },
  bpnn: { mango: [0.9248, 0.9231], tablet: [0.8871, 0.8823], coal: [0.9075, 0.9026] },
  'pls-da': { mango: [0.9356, 0.9312], tablet: [0.9581, 0.9566], coal: [0.9181, 0.9143] },
  ssl: { mango: [0.9783, 0.9736], tablet: [0.9814, 0.9789], coal: [0.9989, 0.9978] },
};

/** Table 5 (Coal only): SSL accuracy by label fraction. */
export const PAPER_SWEEP_COAL_SSL: Record<string, number> = { '0.5': 0.9983, '0.2': 0.9934, '0.05': 0.9791 };

/** Table 3: the paper reports an average pretext accuracy above 0.99 on every dataset. */
export const PAPER_PRETEXT_AVERAGE = 0.99;

/** Which paper column a dataset corresponds to, from its name. */
export function paperDataset(name: string): PaperDataset | null {
  const lower = name.toLowerCase();
  if (lower.includes('raman')) return null;
  for (const d of ['mango', 'tablet', 'coal'] as const) if (lower.includes(d)) return d;
  return null;
}
