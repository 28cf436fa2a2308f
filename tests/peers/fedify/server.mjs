// A small ActivityPub server on the real Fedify library, for Outlier's federation tests.
//
// Actors (PEER_ACTORS, default "alice,bob") with RSA and Ed25519 keys, personal inboxes and
// one shared inbox, followers collections and fetchable notes. It listens on 127.0.0.1 only,
// on PEER_PORT. Test-control routes under /control/ make it act (follow, like, announce,
// reply, undo, delete) and report what it received (inbox POSTs) and who fetched what (GETs,
// with the signature's key id); /control/sign signs a request the way Fedify does, for the
// tests that tamper with signatures; /control/authorized-fetch makes its actors and notes
// answer only signed, verified GETs (Mastodon's "secure mode").
//
// Run: node server.mjs   (with PEER_PORT set; from the directory holding node_modules)

import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";

import { createFederation, generateCryptoKeyPair, MemoryKvStore, signRequest } from "@fedify/fedify";
import {
  Activity,
  Announce,
  Create,
  Delete,
  Endpoints,
  Follow,
  Like,
  Note,
  Person,
  PUBLIC_COLLECTION,
  Tombstone,
  Undo,
  Update,
} from "@fedify/vocab";
import { serve } from "@hono/node-server";
import { configure, getConsoleSink } from "@logtape/logtape";

const HOST = "127.0.0.1";
const PORT = Number(process.env.PEER_PORT ?? "0");
const ORIGIN = `http://${HOST}:${PORT}`;
const ACTORS = (process.env.PEER_ACTORS ?? "alice,bob").split(",").filter(Boolean);
const FIRST_KNOCK = process.env.PEER_FIRST_KNOCK ?? "rfc9421";

await configure({
  sinks: { console: getConsoleSink() },
  loggers: [
    { category: "fedify", lowestLevel: process.env.PEER_LOG_LEVEL ?? "warning", sinks: ["console"] },
    { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["console"] },
  ],
  contextLocalStorage: new AsyncLocalStorage(),
});

// --- state ------------------------------------------------------------------------------

const keyPairs = new Map(); // identifier -> [rsa, ed25519]
for (const name of ACTORS) {
  keyPairs.set(name, [
    await generateCryptoKeyPair("RSASSA-PKCS1-v1_5"),
    await generateCryptoKeyPair("Ed25519"),
  ]);
}
const notes = new Map(); // `${identifier}/${id}` -> Note
let received = []; // every POST to an inbox: {path, status, spec, body}
let events = []; // what the inbox listeners saw: {type, id, actor, recipient, json}
let fetches = []; // every GET outside /control/: {path, status, keyId}
let authorizedFetch = false; // when true, actors and notes answer only verified signed GETs
const sent = new Map(); // activity id -> {activity, recipient}

// --- federation -------------------------------------------------------------------------

const federation = createFederation({
  kv: new MemoryKvStore(),
  origin: ORIGIN,
  allowPrivateAddress: true,
  firstKnock: FIRST_KNOCK,
  circuitBreaker: false,
});

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (!keyPairs.has(identifier)) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: identifier.charAt(0).toUpperCase() + identifier.slice(1),
      inbox: ctx.getInboxUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      followers: ctx.getFollowersUri(identifier),
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((key) => key.multikey),
    });
  })
  .setKeyPairsDispatcher(async (_ctx, identifier) => keyPairs.get(identifier) ?? [])
  .authorize(async (ctx) => !authorizedFetch || (await ctx.getSignedKeyOwner()) != null);

federation.setFollowersDispatcher("/users/{identifier}/followers", async () => ({ items: [] }));

federation
  .setObjectDispatcher(
    Note,
    "/users/{identifier}/notes/{id}",
    async (_ctx, values) => notes.get(`${values.identifier}/${values.id}`) ?? null,
  )
  .authorize(async (ctx) => !authorizedFetch || (await ctx.getSignedKeyOwner()) != null);

federation.setInboxListeners("/users/{identifier}/inbox", "/inbox").on(Activity, async (ctx, activity) => {
  const json = await activity.toJsonLd();
  events.push({
    type: json.type,
    id: activity.id?.href ?? null,
    actor: activity.actorId?.href ?? null,
    recipient: ctx.recipient ?? null,
    json,
  });
});

// --- test control -----------------------------------------------------------------------

const context = () => federation.createContext(new URL(ORIGIN), undefined);
const newId = (identifier, kind) => new URL(`${ORIGIN}/users/${identifier}/${kind}/${randomUUID()}`);

async function lookup(ctx, identifier, uri) {
  const documentLoader = await ctx.getDocumentLoader({ identifier });
  const found = await ctx.lookupObject(uri, { documentLoader });
  if (found == null) throw new Error(`could not look up ${uri}`);
  return found;
}

async function authorOf(ctx, identifier, object) {
  const documentLoader = await ctx.getDocumentLoader({ identifier });
  const author = await object.getAttribution({ documentLoader });
  if (author == null) throw new Error(`${object.id?.href} has no author`);
  return author;
}

async function send(ctx, identifier, recipient, activity) {
  await ctx.sendActivity({ identifier }, recipient, activity, { preferSharedInbox: true });
  sent.set(activity.id.href, { activity, recipient });
  return activity.id.href;
}

const actions = {
  async follow(ctx, { as, target }) {
    const actor = await lookup(ctx, as, target);
    const follow = new Follow({ id: newId(as, "follows"), actor: ctx.getActorUri(as), object: actor.id });
    return { id: await send(ctx, as, actor, follow) };
  },
  async like(ctx, { as, object }) {
    const found = await lookup(ctx, as, object);
    const author = await authorOf(ctx, as, found);
    const like = new Like({ id: newId(as, "likes"), actor: ctx.getActorUri(as), object: found.id });
    return { id: await send(ctx, as, author, like) };
  },
  async announce(ctx, { as, object }) {
    const found = await lookup(ctx, as, object);
    const author = await authorOf(ctx, as, found);
    const boost = new Announce({
      id: newId(as, "announces"),
      actor: ctx.getActorUri(as),
      object: found.id,
      to: PUBLIC_COLLECTION,
      ccs: [author.id, ctx.getFollowersUri(as)],
    });
    return { id: await send(ctx, as, author, boost) };
  },
  async reply(ctx, { as, object, content, public: isPublic = true, byReference = false }) {
    const found = await lookup(ctx, as, object);
    const author = await authorOf(ctx, as, found);
    const noteKey = randomUUID();
    const noteId = ctx.getObjectUri(Note, { identifier: as, id: noteKey });
    const audience = isPublic ? { to: PUBLIC_COLLECTION, ccs: [author.id] } : { to: author.id };
    const note = new Note({ id: noteId, attribution: ctx.getActorUri(as), content, replyTarget: found.id, ...audience });
    notes.set(`${as}/${noteKey}`, note);
    // byReference: the Create names the note by its id only, so the receiver must fetch it.
    const create = new Create({
      id: newId(as, "creates"),
      actor: ctx.getActorUri(as),
      object: byReference ? noteId : note,
      ...audience,
    });
    await send(ctx, as, author, create);
    sent.set(noteId.href, { activity: create, recipient: author });
    return { id: create.id.href, note: noteId.href };
  },
  async edit(ctx, { as, note: noteUri, content }) {
    const record = sent.get(noteUri);
    const key = noteUri.split("/notes/")[1];
    const old = notes.get(`${as}/${key}`);
    const note = old.clone({ content });
    notes.set(`${as}/${key}`, note);
    const update = new Update({ id: newId(as, "updates"), actor: ctx.getActorUri(as), object: note, to: PUBLIC_COLLECTION });
    return { id: await send(ctx, as, record.recipient, update) };
  },
  async undo(ctx, { as, id }) {
    const record = sent.get(id);
    if (record == null) throw new Error(`nothing sent with id ${id}`);
    const undo = new Undo({ id: newId(as, "undos"), actor: ctx.getActorUri(as), object: record.activity });
    return { id: await send(ctx, as, record.recipient, undo) };
  },
  async delete(ctx, { as, id }) {
    const record = sent.get(id);
    if (record == null) throw new Error(`nothing sent with id ${id}`);
    const deletion = new Delete({
      id: newId(as, "deletes"),
      actor: ctx.getActorUri(as),
      object: new Tombstone({ id: new URL(id) }),
      to: PUBLIC_COLLECTION,
    });
    notes.delete(`${as}/${id.split("/notes/")[1]}`);
    return { id: await send(ctx, as, record.recipient, deletion) };
  },
  async "delete-actor"(ctx, { as, target }) {
    const actor = await lookup(ctx, as, target);
    const deletion = new Delete({ id: newId(as, "deletes"), actor: ctx.getActorUri(as), object: ctx.getActorUri(as), to: PUBLIC_COLLECTION });
    return { id: await send(ctx, as, actor, deletion) };
  },
  async sign(ctx, { as, keyAs, keyId, url, body, spec, time }) {
    // Signs (does not send) a POST of `body` to `url` as Fedify would.
    const pairs = await ctx.getActorKeyPairs(keyAs ?? as);
    const request = new Request(url, {
      method: "POST",
      headers: { "Content-Type": "application/activity+json" },
      body,
    });
    let currentTime;
    if (time != null) {
      const ms = Date.parse(time);
      currentTime = { epochMilliseconds: ms, toString: () => new Date(ms).toISOString() };
    }
    const signed = await signRequest(request, pairs[0].privateKey, new URL(keyId ?? pairs[0].keyId.href), {
      spec: spec ?? "draft-cavage-http-signatures-12",
      currentTime,
    });
    return { headers: Object.fromEntries(signed.headers) };
  },
};

function json(value, status = 200) {
  return new Response(JSON.stringify(value), { status, headers: { "Content-Type": "application/json" } });
}

async function control(request, url) {
  const name = url.pathname.slice("/control/".length);
  if (name === "health") return json({ ok: true, origin: ORIGIN, actors: ACTORS });
  if (name === "state") return json({ received, events, fetches });
  if (name === "reset") {
    received = [];
    events = [];
    fetches = [];
    authorizedFetch = false;
    return json({ ok: true });
  }
  if (name === "authorized-fetch" && request.method === "POST") {
    authorizedFetch = Boolean((await request.json()).on);
    return json({ ok: true, authorizedFetch });
  }
  const action = actions[name];
  if (action == null || request.method !== "POST") return json({ error: "no such control" }, 404);
  try {
    return json(await action(context(), await request.json()));
  } catch (error) {
    return json({ error: String(error?.stack ?? error) }, 500);
  }
}

// A document that claims to be an actor on another host, served from here (the tests check
// that Outlier refuses it), with alice's real public key.
async function forgedActor() {
  const ctx = context();
  const [pair] = await ctx.getActorKeyPairs(ACTORS[0]);
  const key = await pair.cryptographicKey.toJsonLd();
  const foreign = "http://other.example/users/mallory";
  return new Response(
    JSON.stringify({
      "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
      id: foreign,
      type: "Person",
      preferredUsername: "mallory",
      inbox: `${foreign}/inbox`,
      publicKey: { id: `${ORIGIN}/forged/actor#main-key`, owner: foreign, publicKeyPem: key.publicKeyPem },
    }),
    { headers: { "Content-Type": "application/activity+json" } },
  );
}

async function handle(request) {
  const url = new URL(request.url);
  if (url.pathname.startsWith("/control/")) return control(request, url);
  if (url.pathname === "/forged/actor") return forgedActor();
  const isInbox = request.method === "POST" && (url.pathname === "/inbox" || url.pathname.endsWith("/inbox"));
  const copy = isInbox ? await request.clone().text() : null;
  const response = await federation.fetch(request, { contextData: undefined });
  if (request.method === "GET") {
    const signature = request.headers.get("Signature") ?? request.headers.get("Signature-Input") ?? "";
    const keyId = /keyid="([^"]*)"/i.exec(signature)?.[1] ?? null;
    fetches.push({ path: url.pathname, status: response.status, keyId });
  }
  if (isInbox) {
    let body = null;
    try {
      body = JSON.parse(copy);
    } catch {
      body = copy;
    }
    received.push({
      path: url.pathname,
      status: response.status,
      spec: request.headers.has("Signature-Input") ? "rfc9421" : "draft-cavage-http-signatures-12",
      body,
    });
  }
  return response;
}

serve({ fetch: handle, hostname: HOST, port: PORT }, (info) => {
  console.log(`READY ${ORIGIN} (port ${info.port}, pid ${process.pid})`);
});
