/** Request parsing of `serve`: formats to typed results, refused parameters, the item store's bounds. */
import { describe, expect, it } from 'vitest';
import { RequestError } from './errors.ts';
import { ItemStore } from './item-store.ts';
import { chatOutput, responsesOutput } from './output.ts';
import { refuseN, refuseTools } from './request.ts';
import { BusyError, RunSlots } from './route.ts';

const schema = { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] };

describe('serve output formats', () => {
  it('maps text, json_object and json_schema (both APIs) to an OutputSpec whose schema checks values', () => {
    expect(chatOutput(undefined)).toEqual({ type: 'text' });
    expect(chatOutput({ type: 'text' })).toEqual({ type: 'text' });
    const object = chatOutput({ type: 'json_object' });
    expect(object.type === 'json' && object.schema.safeParse({ a: 1 }).success).toBe(true);
    expect(object.type === 'json' && object.schema.safeParse('a string').success).toBe(false);
    const chat = chatOutput({ type: 'json_schema', json_schema: { name: 'count', schema } });
    expect(chat).toMatchObject({ type: 'json', name: 'count' });
    expect(chat.type === 'json' && chat.schema.safeParse({ n: 3 }).success).toBe(true);
    expect(chat.type === 'json' && chat.schema.safeParse({ n: 'three' }).success).toBe(false);
    const responses = responsesOutput({ format: { type: 'json_schema', name: 'count', schema } });
    expect(responses.type === 'json' && responses.schema.safeParse({}).success).toBe(false);
  });

  it('refuses what it cannot honour with a RequestError naming the field', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e as RequestError;
      }
      throw new Error('did not throw');
    };
    expect(err(() => chatOutput({ type: 'grammar' })).body.error).toMatchObject({ param: 'response_format.type', code: 'unsupported_parameter' });
    expect(err(() => chatOutput({ type: 'json_schema', json_schema: { name: 'x' } })).body.error.param).toBe('response_format.json_schema.schema');
    expect(err(() => responsesOutput({ format: 'json' })).body.error.param).toBe('text.format');
    expect(err(() => refuseTools([{ type: 'function' }])).body.error).toMatchObject({ param: 'tools', code: 'unsupported_parameter' });
    expect(() => refuseTools([])).not.toThrow();
    expect(err(() => refuseN(3)).body.error.param).toBe('n');
    expect(() => refuseN(1)).not.toThrow();
  });
});

describe('serve item store and run slots', () => {
  it('keeps the newest items within both bounds', () => {
    const store = new ItemStore(2, 10);
    store.put('a', { type: 'message', role: 'assistant', text: 'aaaa' });
    store.put('b', { type: 'message', role: 'assistant', text: 'bbbb' });
    store.put('c', { type: 'message', role: 'assistant', text: 'cc' });
    expect(store.get('a')).toBeUndefined();
    expect(store.get('c')?.text).toBe('cc');
    // 2 + 9 chars is past the 10-char bound: c goes too, though the count would allow it.
    store.put('d', { type: 'message', role: 'assistant', text: 'ddddddddd' });
    expect([store.get('b'), store.get('c')]).toEqual([undefined, undefined]);
    expect(store.get('d')?.text).toBe('ddddddddd');
    expect(store.size).toBe(1);
  });

  it('refuses a slot past the maximum with the Retry-After, and a release frees one once', () => {
    const slots = new RunSlots(1, 7);
    const release = slots.acquire();
    expect(() => slots.acquire()).toThrow(BusyError);
    release();
    release();
    expect(slots.inUse).toBe(0);
    slots.acquire();
    try {
      slots.acquire();
    } catch (e) {
      expect((e as BusyError).retryAfterS).toBe(7);
    }
  });
});
