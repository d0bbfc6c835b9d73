import { applyScaler, fitScaler } from '../../engine/scaling';
import { selectRows, type Matrix } from '../../numeric/matrix';
import { domainScores, fitDomain, isOutlier } from '../../numeric/pca-domain';

/**
 * How far each test fold's spectra lie from their training fold: a PCA applicability domain
 * (as every final model stores) fitted on the fold's autoscaled training spectra, and the test
 * spectra's Hotelling's T² and Q residual against its 99 % limits. Numeric only: rows in, summary out.
 */
export interface FoldDomain {
  readonly fold: number;
  readonly components: number;
  readonly t2Limit99: number;
  readonly qLimit99: number;
  /** One point per test spectrum: its dataset row, T², Q and whether either is past its 99 % limit. */
  readonly points: { row: number; t2: number; q: number; outlier: boolean }[];
}

export function foldDomains(x: Matrix, folds: readonly { train: Int32Array; test: Int32Array }[]): FoldDomain[] {
  return folds.map(({ train, test }, fold) => {
    const xTrain = selectRows(x, train);
    const scaler = fitScaler('autoscale', xTrain);
    const domain = fitDomain(applyScaler(scaler, xTrain));
    const { t2, q } = domainScores(domain, applyScaler(scaler, selectRows(x, test)));
    return {
      fold,
      components: domain.components,
      t2Limit99: domain.t2Limit99,
      qLimit99: domain.qLimit99,
      points: Array.from(test, (row, k) => ({ row, t2: t2[k], q: q[k], outlier: isOutlier(domain, t2[k], q[k]) })),
    };
  });
}
