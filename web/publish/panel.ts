// The Upload panel: where to publish (endpoint, bucket, prefix) with credentials held in memory
// only, or a presign URL (`agent s3 presign`) and no credentials at all; progress, cancel.
// Resume after a reload: press Upload again; what landed is skipped.

import type { StoredImage } from '../storage/types.ts';
import { type PresignTarget, type UploadTarget, uploadImages } from './upload.ts';

/** Remembered between visits: everything but the credentials. */
const REMEMBERED = ['endpoint', 'region', 'bucket', 'prefix', 'pathStyle', 'baseUrl', 'presignUrl', 'mode'] as const;
const STORAGE_KEY = 'tessella.upload-target';

type Mode = 'credentials' | 'presign';

interface Deps {
  listImages(): Promise<StoredImage[]>;
  /** The base URL of the settings, used when the field is left empty. */
  defaultBaseUrl(): string;
}

function field(label: string, name: string, attrs: Record<string, string> = {}): HTMLDivElement {
  const wrap = document.createElement('div');
  wrap.className = 'field';
  const l = document.createElement('label');
  l.htmlFor = `upload-${name}`;
  l.textContent = label;
  const input = document.createElement('input');
  input.id = `upload-${name}`;
  input.name = name;
  input.dataset.testid = `upload-${name}`;
  for (const [k, v] of Object.entries(attrs)) input.setAttribute(k, v);
  wrap.append(l, input);
  return wrap;
}

/** A bordered group of fields; the one of the mode not chosen is hidden and disabled (so its required fields do not block the form). */
function group(legend: string, children: HTMLElement[]): HTMLFieldSetElement {
  const set = document.createElement('fieldset');
  set.className = 'pairs-fieldset';
  const l = document.createElement('legend');
  l.textContent = legend;
  set.append(l, ...children);
  return set;
}

function modeChoice(mode: Mode, label: string): HTMLLabelElement {
  const wrap = document.createElement('label');
  wrap.className = 'check';
  const radio = document.createElement('input');
  radio.type = 'radio';
  radio.name = 'mode';
  radio.value = mode;
  radio.dataset.testid = `upload-mode-${mode}`;
  wrap.append(radio, ` ${label}`);
  return wrap;
}

export function mountUploadPanel(container: HTMLElement, deps: Deps): void {
  const form = document.createElement('form');
  form.className = 'settings upload-panel';
  form.dataset.testid = 'upload-panel';
  const heading = document.createElement('h2');
  heading.textContent = 'Upload to S3';
  const note = document.createElement('p');
  note.className = 'panel-sub';
  note.textContent =
    `Same planner and uploader as “agent sync”: only what differs is uploaded, and every object is verified. Credentials stay in this tab’s memory and are never stored; with a presign URL they never reach this page. The bucket needs CORS for this page: agent s3 cors s3://BUCKET --origin ${location.origin}`;
  const modes = group('Sign uploads with', [modeChoice('credentials', 'Credentials (kept in this tab’s memory)'), modeChoice('presign', 'Presign URL (agent s3 presign)')]);
  const pathStyle = document.createElement('label');
  pathStyle.className = 'check';
  const pathStyleBox = document.createElement('input');
  pathStyleBox.type = 'checkbox';
  pathStyleBox.name = 'pathStyle';
  pathStyleBox.dataset.testid = 'upload-pathStyle';
  pathStyle.append(pathStyleBox, ' Path-style URLs (most S3-compatible stores)');
  const credentialsGroup = group('Bucket and credentials', [
    field('Endpoint (empty for AWS)', 'endpoint', { placeholder: 'https://s3.example.org', type: 'url' }),
    field('Region', 'region', { value: 'us-east-1' }),
    field('Bucket', 'bucket', { required: '' }),
    field('Prefix', 'prefix', { placeholder: 'iiif' }),
    pathStyle,
    field('Access key id', 'accessKeyId', { autocomplete: 'off', required: '' }),
    field('Secret access key', 'secretAccessKey', { type: 'password', autocomplete: 'off', required: '' }),
    field('Session token (optional)', 'sessionToken', { type: 'password', autocomplete: 'off' }),
  ]);
  const presignHint = document.createElement('p');
  presignHint.className = 'field-hint';
  presignHint.textContent = `Run agent s3 presign s3://BUCKET/PREFIX --origin ${location.origin} where credentials are; it prints this URL. The bucket and prefix are the server’s.`;
  const presignGroup = group('Presign server', [field('Presign URL', 'presignUrl', { placeholder: 'http://127.0.0.1:8787/', type: 'url', required: '' }), presignHint]);
  const baseUrlField = field('Public base URL of the prefix', 'baseUrl', { placeholder: deps.defaultBaseUrl(), type: 'url' });
  const start = document.createElement('button');
  start.type = 'submit';
  start.textContent = 'Upload all images';
  start.className = 'btn btn-primary';
  start.dataset.testid = 'upload-start';
  const cancel = document.createElement('button');
  cancel.type = 'button';
  cancel.textContent = 'Cancel';
  cancel.className = 'btn';
  cancel.disabled = true;
  cancel.dataset.testid = 'upload-cancel';
  const status = document.createElement('p');
  status.className = 'status';
  status.dataset.testid = 'upload-status';
  status.dataset.state = 'idle';
  status.setAttribute('role', 'status');
  const progress = document.createElement('progress');
  progress.className = 'bar';
  progress.max = 1;
  progress.value = 0;
  const buttons = document.createElement('div');
  buttons.className = 'field-row';
  buttons.append(start, cancel);
  container.append(heading, note, form);
  form.append(modes, credentialsGroup, presignGroup, baseUrlField, buttons, progress, status);

  const input = (name: string): HTMLInputElement => form.elements.namedItem(name) as HTMLInputElement;
  const radio = (m: Mode): HTMLInputElement => modes.querySelector(`input[value=${m}]`) as HTMLInputElement;
  const mode = (): Mode => (radio('presign').checked ? 'presign' : 'credentials');
  const showMode = (m: Mode): void => {
    radio(m).checked = true;
    for (const [set, on] of [[credentialsGroup, m === 'credentials'], [presignGroup, m === 'presign']] as const) {
      // Not `hidden`: the fieldset's display rule would win over it.
      set.style.display = on ? '' : 'none';
      set.disabled = !on;
    }
  };
  let remembered: Mode = 'credentials';
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as Record<string, string | boolean>;
    for (const k of REMEMBERED) {
      if (k === 'pathStyle') pathStyleBox.checked = saved.pathStyle === true;
      else if (k === 'mode') remembered = saved.mode === 'presign' ? 'presign' : 'credentials';
      else if (typeof saved[k] === 'string') input(k).value = saved[k] as string;
    }
  } catch {
    // Nothing remembered.
  }
  showMode(remembered);
  for (const m of ['credentials', 'presign'] as const) radio(m).addEventListener('change', () => showMode(m));

  const setStatus = (state: string, text: string): void => {
    status.dataset.state = state;
    status.textContent = text;
  };

  let controller: AbortController | undefined;
  let runs = 0;
  cancel.addEventListener('click', () => controller?.abort());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const credentials: UploadTarget = {
      endpoint: input('endpoint').value.trim() || undefined,
      region: input('region').value.trim() || 'us-east-1',
      bucket: input('bucket').value.trim(),
      prefix: input('prefix').value.trim(),
      pathStyle: pathStyleBox.checked,
      accessKeyId: input('accessKeyId').value.trim(),
      secretAccessKey: input('secretAccessKey').value,
      sessionToken: input('sessionToken').value || undefined,
    };
    const presignUrl = input('presignUrl').value.trim();
    const target: UploadTarget | PresignTarget = mode() === 'presign' ? { presignUrl } : credentials;
    const destination = mode() === 'presign' ? presignUrl : `s3://${credentials.bucket}/${credentials.prefix}`;
    const baseUrl = input('baseUrl').value.trim().replace(/\/+$/, '') || deps.defaultBaseUrl();
    const remembered = {
      endpoint: credentials.endpoint ?? '',
      region: credentials.region,
      bucket: credentials.bucket,
      prefix: credentials.prefix,
      pathStyle: credentials.pathStyle,
      baseUrl: input('baseUrl').value.trim(),
      presignUrl,
      mode: mode(),
    };
    localStorage.setItem(STORAGE_KEY, JSON.stringify(remembered));
    const images = await deps.listImages();
    if (images.length === 0) return setStatus('error', 'Nothing to upload: tile some images first.');
    controller = new AbortController();
    // Numbered, so a test (or a screen reader log) can tell this run's outcome from the last one's.
    status.dataset.run = String(++runs);
    start.disabled = true;
    cancel.disabled = false;
    progress.value = 0;
    setStatus('planning', `Comparing ${images.length} image(s) with ${destination}…`);
    const started = performance.now();
    try {
      const report = await uploadImages(images, target, {
        baseUrl,
        signal: controller.signal,
        onPlan: (p) => setStatus('uploading', `${p.upload} to upload, ${p.skip} already there`),
        onProgress: (p) => {
          progress.value = p.total ? p.done / p.total : 1;
          setStatus('uploading', `${p.done} of ${p.total} uploaded (${(p.bytes / 1e6).toFixed(1)} MB)${p.failed ? `, ${p.failed} failed` : ''}`);
        },
      });
      progress.value = 1;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      if (report.failed.length > 0) {
        setStatus('error', `${report.failed.length} object(s) failed (first: ${report.failed[0]!.key}: ${report.failed[0]!.error}); ${report.uploaded} uploaded. Upload again to retry.`);
      } else {
        setStatus('done', `Done in ${seconds} s: ${report.uploaded} uploaded, ${report.skipped} already there, all verified.`);
      }
    } catch (err) {
      if (controller.signal.aborted) setStatus('cancelled', 'Cancelled. Upload again to resume: what landed is skipped.');
      else setStatus('error', `Upload failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      start.disabled = false;
      cancel.disabled = true;
      controller = undefined;
    }
  });
}
