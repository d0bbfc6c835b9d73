import type { Container } from 'inversify';
import { ProgressService } from '../services/progress.service';

/** What resolvers get besides their arguments: the streams subscriptions are built from. */
export interface GraphQLContext {
  readonly progress: ProgressService;
}

export function createContext(container: Container): GraphQLContext {
  return { progress: container.get(ProgressService) };
}
