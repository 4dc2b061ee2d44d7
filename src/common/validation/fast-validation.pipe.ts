import { ValidationPipe, type ArgumentMetadata, type Type } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage } from 'class-validator';

/**
 * What the fast path knows about one property. `absentOnly`: the property has rules the fast path
 * does not evaluate, but they are all skipped (IsOptional) when the property is absent.
 */
interface FieldRule {
  optional: boolean;
  notEmpty: boolean;
  maxLength: number;
  absentOnly: boolean;
}

type Plan = Map<string, FieldRule>;

const FAST_RULES = new Set(['isString', 'maxLength', 'isNotEmpty']);
const PRIMITIVES = new Set<unknown>([String, Boolean, Number, Array, Object, Buffer, Date]);

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  // fast-querystring (form bodies) builds on an empty prototype whose own prototype is null.
  return proto === Object.prototype || proto === null || Object.getPrototypeOf(proto) === null;
};

/** Derives a plan from the DTO's own class-validator metadata; undefined when any rule is beyond it. */
function compilePlan(metatype: Type): Plan | undefined {
  const metadatas = getMetadataStorage().getTargetValidationMetadatas(metatype, '', true, false);
  const byProperty = new Map<string, typeof metadatas>();
  for (const m of metadatas) {
    if (m.groups?.length || m.always) return undefined;
    byProperty.set(m.propertyName, [...(byProperty.get(m.propertyName) ?? []), m]);
  }
  const plan: Plan = new Map();
  for (const [property, rules] of byProperty) {
    const optional = rules.some(
      (m) => m.type === 'conditionalValidation' && m.name === 'isOptional',
    );
    const others = rules.filter(
      (m) => !(m.type === 'conditionalValidation' && m.name === 'isOptional'),
    );
    const simple =
      others.some((m) => m.name === 'isString') &&
      others.every((m) => m.type === 'customValidation' && !m.each && FAST_RULES.has(m.name ?? ''));
    if (!simple && !optional) return undefined;
    const maxLength = others.find((m) => m.name === 'maxLength')?.constraints?.[0] as
      number | undefined;
    plan.set(property, {
      optional,
      notEmpty: others.some((m) => m.name === 'isNotEmpty'),
      maxLength: maxLength ?? Infinity,
      absentOnly: !simple,
    });
  }
  return plan.size > 0 ? plan : undefined;
}

/** Whether class-validator would certainly accept `value`; false means "ask class-validator". */
function certainlyValid(value: Record<string, unknown>, plan: Plan): boolean {
  for (const [property, rule] of plan) {
    const v = Object.hasOwn(value, property) ? value[property] : undefined;
    if (v === undefined) {
      if (!rule.optional) return false;
      continue;
    }
    if (rule.absentOnly || typeof v !== 'string') return false;
    if (rule.notEmpty && v === '') return false;
    // validator.js counts a surrogate pair as one character: within .length is within its length.
    if (v.length > rule.maxLength) return false;
  }
  return true;
}

/**
 * The global ValidationPipe, with a fast path for flat DTOs of string fields (the token,
 * introspection and revocation forms): the DTO is built by class-transformer as usual (so every
 * @Transform applies), and when the result certainly passes its rules, the whitelisted DTO is
 * returned without class-validator's asynchronous run, which dominates the cost on the token
 * endpoint. Anything else, and every invalid input, takes the full path, so results and error
 * messages are exactly ValidationPipe's. Only public APIs: class-validator's metadata storage
 * and class-transformer's plainToInstance.
 */
export class FastValidationPipe extends ValidationPipe {
  private readonly plans = new WeakMap<Type, Plan | null>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const metatype = metadata.metatype;
    if (metadata.type === 'body' && metatype && !PRIMITIVES.has(metatype) && isPlainObject(value)) {
      const plan = this.planFor(metatype);
      if (plan) {
        const dto = plainToInstance(metatype, value) as Record<string, unknown>;
        if (certainlyValid(dto, plan)) {
          // What whitelist does: only properties with validation rules survive.
          for (const key of Object.keys(dto)) if (!plan.has(key)) delete dto[key];
          return dto;
        }
      }
    }
    return super.transform(value, metadata);
  }

  private planFor(metatype: Type): Plan | undefined {
    let plan = this.plans.get(metatype);
    if (plan === undefined) {
      plan = compilePlan(metatype) ?? null;
      this.plans.set(metatype, plan);
    }
    return plan ?? undefined;
  }
}
