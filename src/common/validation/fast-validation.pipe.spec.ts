import { BadRequestException, ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { TokenOperationRequestDto } from '../../auth/dto/token-operation.dto';
import { TokenRequestDto } from '../../auth/dto/token-request.dto';
import { LegacyTokenRequestDto } from '../../auth/dto/legacy-requests.dto';
import { Transform } from 'class-transformer';
import { IsString, MaxLength } from 'class-validator';
import { parse } from 'fast-querystring';
import { FastValidationPipe } from './fast-validation.pipe';

const OPTIONS = {
  whitelist: true,
  transform: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
};

async function outcome(pipe: ValidationPipe, value: unknown, metadata: ArgumentMetadata) {
  try {
    const result = (await pipe.transform(value, metadata)) as object;
    return { ok: true, type: result?.constructor?.name, value: { ...result } };
  } catch (err) {
    return { ok: false, body: (err as BadRequestException).getResponse() };
  }
}

class TrimmedDto {
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MaxLength(3)
  name!: string;
}

describe('FastValidationPipe', () => {
  const fast = new FastValidationPipe(OPTIONS);
  const full = new ValidationPipe(OPTIONS);

  const cases: Array<[string, unknown]> = [
    ['a valid form', { grant_type: 'client_credentials', scope: 'read', client_id: 'a' }],
    ['unknown fields', { token: 't', extra: 'dropped', client_id: 'x' }],
    ['an empty body', {}],
    ['a number', { token: 5 }],
    ['an operator object', { token: { $ne: null } }],
    ['an empty required field', { token: '' }],
    ['a too long field', { token: 'x', client_id: 'y'.repeat(257) }],
    ['an astral string near the limit', { token: 'x', client_id: '😀'.repeat(200) }],
    ['one resource', { grant_type: 'client_credentials', resource: 'urn:a' }],
    ['several resources', { grant_type: 'client_credentials', resource: ['urn:a', 'urn:b'] }],
    ['null', { token: null }],
    ['a null-prototype object', Object.assign(Object.create(null), { token: 't' })],
    ['a form parsed by fast-querystring', parse('grant_type=client_credentials&scope=read')],
    ['username and password', { username: 'u', password: 'p', grant_type: 'password' }],
  ];

  it.each(cases)('gives exactly what ValidationPipe gives for %s', async (_name, value) => {
    for (const metatype of [TokenRequestDto, TokenOperationRequestDto, LegacyTokenRequestDto]) {
      const metadata: ArgumentMetadata = { type: 'body', metatype };
      expect(await outcome(fast, value, metadata)).toEqual(await outcome(full, value, metadata));
    }
  });

  it('takes the fast path for a valid flat form: no class-validator call', async () => {
    const spy = jest.spyOn(ValidationPipe.prototype, 'transform');
    const dto = await fast.transform(
      { token: 't', client_id: 'c', ignored: 1 },
      { type: 'body', metatype: TokenOperationRequestDto },
    );
    expect(dto).toBeInstanceOf(TokenOperationRequestDto);
    expect({ ...(dto as object) }).toEqual({ token: 't', client_id: 'c' });
    const form = await fast.transform(parse('grant_type=client_credentials'), {
      type: 'body',
      metatype: TokenRequestDto,
    });
    expect({ ...(form as object) }).toEqual({ grant_type: 'client_credentials' });
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it("applies a DTO's own @Transform on the fast path too", async () => {
    const metadata: ArgumentMetadata = { type: 'body', metatype: TrimmedDto };
    for (const value of [{ name: '  ab ' }, { name: ' abcd ' }, { name: 7 }]) {
      expect(await outcome(fast, value, metadata)).toEqual(await outcome(full, value, metadata));
    }
    expect(await fast.transform({ name: '  ab ' }, metadata)).toEqual(
      Object.assign(new TrimmedDto(), { name: 'ab' }),
    );
  });

  it('leaves query strings, params and primitive bodies to ValidationPipe', async () => {
    expect(await fast.transform('42', { type: 'param', metatype: String })).toBe('42');
    expect(await fast.transform({ a: 1 }, { type: 'body', metatype: Object })).toEqual({ a: 1 });
  });
});
