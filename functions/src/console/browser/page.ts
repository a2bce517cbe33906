/**
 * What every page gets and gives: the API, its route parameters, a way to leave a message
 * for the next page; and back an element, a title and a `dispose` that stops its polling.
 */
import type { Api } from './api.ts';

export interface PageContext {
  api: Api;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Shows a message on the next page (e.g. "my-agent deleted" on the fleet page). */
  flash(message: string): void;
  /** A message left by the previous page, if any. */
  flashed?: string;
  navigate(hash: string): void;
}

export interface Page {
  title: string;
  element: HTMLElement;
  dispose?(): void;
}

export type PageFactory = (context: PageContext) => Page;
