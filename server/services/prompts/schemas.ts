// Input shapes of prompt versions.
import { z } from 'zod';
import { jsonObject, jsonValue } from '../registry-shared';

export const messageSchema = z.union([
  z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string().max(100_000, 'must be at most 100000 characters') }).strict(),
  z.object({ include: z.string().trim().regex(/^[a-z0-9-]+(@\d+|:[a-z0-9-]+)?$/, 'must name a prompt: name, name@<version> or name:<label>') }).strict(),
]);

export const variableSchema = z.object({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a letter or _ followed by letters, digits or _'),
  type: z.enum(['string', 'number', 'boolean', 'json']).default('string'),
  required: z.boolean().default(true),
  default: jsonValue.optional(),
  description: z.string().max(500).optional(),
});

export const promptContentSchema = z.object({
  messages: z.array(messageSchema).min(1, 'needs at least one message').max(200),
  variables: z.array(variableSchema).max(100).default([]),
  responseSchema: jsonObject.nullable().default(null),
  params: jsonObject.default({}),
});
