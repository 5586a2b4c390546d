/** The readiness report model and its helpers. Import from here ('core/report'). */
export * from './model';
export * from './text';
