import type { ReactNode } from 'react';
import type { CombinedError } from 'urql';
import { errorMessage } from '../api/client';

export function Loading({ what }: { what: string }) {
  return <p className="muted" aria-busy="true">Loading {what}…</p>;
}

export function ErrorBox({ error, children }: { error?: CombinedError | string; children?: ReactNode }) {
  if (!error && !children) return null;
  return (
    <div className="error" role="alert">
      {typeof error === 'string' ? error : error ? errorMessage(error) : null}
      {children}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function fmt(x: number | null | undefined, digits = 3): string {
  return x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits);
}

export function pct(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined ? '–' : `${(100 * x).toFixed(digits)}%`;
}

export function meanStd(m: { mean?: number | null; std?: number | null } | null | undefined): string {
  if (!m || m.mean === null || m.mean === undefined) return '–';
  return `${(100 * m.mean).toFixed(1)} ± ${(100 * (m.std ?? 0)).toFixed(1)}%`;
}

/** Navigates within the app (hash routes: the server serves one page). */
export function go(path: string): void {
  window.location.hash = `#${path}`;
}

export function Link({ to, children, className }: { to: string; children: ReactNode; className?: string }) {
  return (
    <a href={`#${to}`} className={className}>
      {children}
    </a>
  );
}

/** A file picker that also takes a dropped file. */
export function DropZone({ onFile, accept, label, testId }: { onFile: (file: File) => void; accept?: string; label: string; testId?: string }) {
  return (
    <label
      className="dropzone"
      data-testid={testId}
      onDragOver={(e) => {
        e.preventDefault();
        e.currentTarget.classList.add('over');
      }}
      onDragLeave={(e) => e.currentTarget.classList.remove('over')}
      onDrop={(e) => {
        e.preventDefault();
        e.currentTarget.classList.remove('over');
        const file = e.dataTransfer.files[0];
        if (file) onFile(file);
      }}
    >
      <span>{label}</span>
      <input
        type="file"
        accept={accept}
        onChange={(e) => {
          const file = e.currentTarget.files?.[0];
          if (file) onFile(file);
          e.currentTarget.value = '';
        }}
      />
    </label>
  );
}
