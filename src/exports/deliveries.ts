import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { openAsBlob } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import nodemailer from 'nodemailer';
import type { Destination } from './reports.ts';
import type { ExportSettings } from '../config.ts';

/** What a destination answered for one run. */
export interface DeliveryResult {
  /** The destination, readable (a webhook without its query string, which may hold a secret). */
  destination: string;
  kind: 'FOLDER' | 'WEBHOOK' | 'EMAIL';
  status: 'PENDING' | 'DELIVERED' | 'FAILED';
  attempts: number;
  /** Where it went: the file path, the HTTP status, or the SMTP message id. */
  detail: string | null;
  /** The last failure, when the latest attempt failed. */
  error: string | null;
  deliveredAt: string | null;
}

/** The file a run produced, with what receivers are told about it. */
export interface DeliveryFile {
  /** Where the file is on local disk while it is delivered. */
  path: string;
  /** The name receivers see, e.g. `weekly-team-kpis-2026-03-23.xlsx`. */
  filename: string;
  contentType: string;
  bytes: number;
  rows: number;
  reportId: number;
  reportName: string;
  runId: number;
  /** The resolved range, readable, for the e-mail subject and webhook headers. */
  rangeLabel: string | null;
}

/** The kind and readable name of a destination. */
export function describeDestination(destination: Destination): Pick<DeliveryResult, 'destination' | 'kind'> {
  if ('folder' in destination) return { kind: 'FOLDER', destination: `folder ${destination.folder}` };
  if ('webhookUrl' in destination) {
    const url = new URL(destination.webhookUrl);
    return { kind: 'WEBHOOK', destination: `webhook ${url.origin}${url.pathname}` };
  }
  return { kind: 'EMAIL', destination: `email ${destination.email.join(', ')}` };
}

async function toFolder(folder: string, file: DeliveryFile, settings: ExportSettings): Promise<string> {
  const root = resolve(settings.exportDir);
  const dir = resolve(root, folder);
  if (dir !== root && !dir.startsWith(root + sep)) throw new Error(`folder ${folder} is outside EXPORT_DIR`);
  await mkdir(dir, { recursive: true });
  const target = join(dir, file.filename);
  // Copy under a temporary name, then rename: readers never see a half-written file.
  const partial = `${target}.partial-${file.runId}`;
  try {
    await copyFile(file.path, partial);
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  return target;
}

const WEBHOOK_TIMEOUT_MS = 60_000;

async function toWebhook(url: string, file: DeliveryFile): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    body: await openAsBlob(file.path, { type: file.contentType }),
    headers: {
      'content-type': file.contentType,
      'content-disposition': `attachment; filename="${file.filename}"`,
      // The same key on every retry of one run, so a receiver can drop duplicates.
      'idempotency-key': `supportgraph-report-run-${file.runId}`,
      'x-supportgraph-report-id': String(file.reportId),
      'x-supportgraph-run-id': String(file.runId),
      'x-supportgraph-rows': String(file.rows),
      ...(file.rangeLabel ? { 'x-supportgraph-range': file.rangeLabel } : {}),
    },
    redirect: 'error',
    signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
  return `HTTP ${response.status}`;
}

/** Sends one e-mail through SMTP_URL; returns the message id. */
async function sendEmail(settings: ExportSettings, mail: { to: string[]; subject: string; text: string; attachments?: { filename: string; path: string; contentType: string }[] }): Promise<string> {
  if (!settings.smtpUrl) throw new Error('e-mail delivery needs SMTP_URL set on the server');
  const transport = nodemailer.createTransport(settings.smtpUrl);
  try {
    const info = await transport.sendMail({ from: settings.smtpFrom, ...mail });
    return info.messageId ?? 'sent';
  } finally {
    transport.close();
  }
}

async function toEmail(recipients: string[], file: DeliveryFile, settings: ExportSettings): Promise<string> {
  const range = file.rangeLabel ? ` (${file.rangeLabel})` : '';
  return sendEmail(settings, {
    to: recipients,
    subject: `Report: ${file.reportName}${range}`,
    text:
      `Attached: ${file.filename}, ${file.rows} rows${range}.\n\n` +
      `Sent by Supportgraph for the saved report "${file.reportName}".\n`,
    attachments: [{ filename: file.filename, path: file.path, contentType: file.contentType }],
  });
}

/** Delivers a file to one destination, once; throws when the destination refuses it. */
export async function deliver(destination: Destination, file: DeliveryFile, settings: ExportSettings): Promise<string> {
  if ('folder' in destination) return toFolder(destination.folder, file, settings);
  if ('webhookUrl' in destination) return toWebhook(destination.webhookUrl, file);
  return toEmail(destination.email, file, settings);
}

/** Where a notification goes: a JSON webhook, a Slack/Teams incoming webhook, or e-mail. */
export type MessageDestination = { webhookUrl: string } | { chatWebhookUrl: string } | { email: string[] };

/** A notification (an alert state change) to deliver. */
export interface DeliveryMessage {
  /** One line, e.g. `[FIRING] E-mail first response`. */
  subject: string;
  /** A few readable lines; also the chat message. */
  text: string;
  /** The webhook's JSON body (it also carries `text`). */
  payload: Record<string, unknown>;
  /** The same on every retry of one message, so a receiver can drop duplicates. */
  idempotencyKey: string;
}

/** The kind and readable name of a notification destination (a webhook without its query string). */
export function describeMessageDestination(destination: MessageDestination): { kind: 'WEBHOOK' | 'CHAT' | 'EMAIL'; destination: string } {
  if ('email' in destination) return { kind: 'EMAIL', destination: `email ${destination.email.join(', ')}` };
  const chat = 'chatWebhookUrl' in destination;
  const url = new URL(chat ? destination.chatWebhookUrl : destination.webhookUrl);
  return { kind: chat ? 'CHAT' : 'WEBHOOK', destination: `${chat ? 'chat webhook' : 'webhook'} ${url.origin}${url.pathname}` };
}

async function postJson(url: string, body: unknown, idempotencyKey: string): Promise<string> {
  const response = await fetch(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
    redirect: 'error',
    signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
  });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
  return `HTTP ${response.status}`;
}

/**
 * Delivers a notification to one destination, once; throws when it is refused. A chat
 * webhook gets `{ "text": … }`, the body Slack incoming webhooks and Microsoft Teams
 * incoming webhooks both accept; a plain webhook gets the JSON payload with an
 * `Idempotency-Key` header; e-mail goes through SMTP_URL.
 */
export async function deliverMessage(destination: MessageDestination, message: DeliveryMessage, settings: ExportSettings): Promise<string> {
  if ('email' in destination) return sendEmail(settings, { to: destination.email, subject: message.subject, text: message.text });
  if ('chatWebhookUrl' in destination) return postJson(destination.chatWebhookUrl, { text: `*${message.subject}*\n${message.text}` }, message.idempotencyKey);
  return postJson(destination.webhookUrl, { ...message.payload, text: message.text }, message.idempotencyKey);
}
