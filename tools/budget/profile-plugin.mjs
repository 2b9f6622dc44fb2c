// An esbuild plugin for `node tools/budget/profile.mjs`: compiles the firmware (src/) and the
// simulated ports (hal/sim/) with a probe around every function body, so the XS meter can be
// read on entry and exit of each one (private methods and arrow functions included). The probes
// call globalThis.__profile.enter(id) / .exit(token); xs-profile-entry.ts defines them.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Function-like nodes the probe wraps; generators and async functions are left alone (their bodies suspend). */
function probeable(node) {
  if (
    !(
      ts.isFunctionDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isGetAccessorDeclaration(node) ||
      ts.isSetAccessorDeclaration(node) ||
      ts.isConstructorDeclaration(node) ||
      ts.isArrowFunction(node) ||
      ts.isFunctionExpression(node)
    )
  )
    return false;
  if (node.body === undefined) return false;
  if (node.asteriskToken !== undefined) return false;
  return !(node.modifiers ?? []).some((modifier) => modifier.kind === ts.SyntaxKind.AsyncKeyword);
}

function nameOf(node, source) {
  const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const own =
    node.name !== undefined &&
    (ts.isIdentifier(node.name) || ts.isPrivateIdentifier(node.name) || ts.isStringLiteral(node.name))
      ? node.name.text
      : ts.isConstructorDeclaration(node)
        ? 'constructor'
        : undefined;
  const prefix = ts.isGetAccessorDeclaration(node) ? 'get ' : ts.isSetAccessorDeclaration(node) ? 'set ' : '';
  let owner;
  for (let parent = node.parent; parent !== undefined; parent = parent.parent) {
    if ((ts.isClassDeclaration(parent) || ts.isClassExpression(parent)) && parent.name !== undefined) {
      owner = parent.name.text;
      break;
    }
  }
  const base = own === undefined ? `(arrow:${line})` : `${prefix}${own}`;
  return `${owner === undefined ? '' : `${owner}.`}${base}`;
}

/** A TypeScript transformer that wraps each function body: { const t = P.enter(id); try { body } finally { P.exit(t) } }. */
function probeTransformer(fileLabel, names) {
  return (context) => (source) => {
    const f = context.factory;
    const profile = () => f.createPropertyAccessExpression(f.createIdentifier('globalThis'), '__profile');
    const wrap = (node, statements) => {
      const id = names.length;
      names.push(`${fileLabel}:${nameOf(node, source)}`);
      const token = f.createUniqueName('probe');
      const enter = f.createVariableStatement(
        undefined,
        f.createVariableDeclarationList(
          [
            f.createVariableDeclaration(
              token,
              undefined,
              undefined,
              f.createCallExpression(f.createPropertyAccessExpression(profile(), 'enter'), undefined, [
                f.createNumericLiteral(id),
              ]),
            ),
          ],
          ts.NodeFlags.Const,
        ),
      );
      const exit = f.createExpressionStatement(
        f.createCallExpression(f.createPropertyAccessExpression(profile(), 'exit'), undefined, [token]),
      );
      return f.createBlock(
        [enter, f.createTryStatement(f.createBlock(statements, true), undefined, f.createBlock([exit], true))],
        true,
      );
    };
    const visit = (node) => {
      const visited = ts.visitEachChild(node, visit, context);
      if (!probeable(node)) return visited;
      // A constructor that calls super() must do so before `this` is touched: leave those alone.
      if (ts.isConstructorDeclaration(node) && /\bsuper\(/.test(node.body.getText(source))) return visited;
      const body = visited.body;
      if (ts.isArrowFunction(visited) && !ts.isBlock(body)) {
        return f.updateArrowFunction(
          visited,
          visited.modifiers,
          visited.typeParameters,
          visited.parameters,
          visited.type,
          visited.equalsGreaterThanToken,
          wrap(node, [f.createReturnStatement(body)]),
        );
      }
      const block = wrap(node, [...body.statements]);
      if (ts.isArrowFunction(visited)) {
        return f.updateArrowFunction(
          visited,
          visited.modifiers,
          visited.typeParameters,
          visited.parameters,
          visited.type,
          visited.equalsGreaterThanToken,
          block,
        );
      }
      if (ts.isFunctionDeclaration(visited)) {
        return f.updateFunctionDeclaration(
          visited,
          visited.modifiers,
          visited.asteriskToken,
          visited.name,
          visited.typeParameters,
          visited.parameters,
          visited.type,
          block,
        );
      }
      if (ts.isFunctionExpression(visited)) {
        return f.updateFunctionExpression(
          visited,
          visited.modifiers,
          visited.asteriskToken,
          visited.name,
          visited.typeParameters,
          visited.parameters,
          visited.type,
          block,
        );
      }
      if (ts.isMethodDeclaration(visited)) {
        return f.updateMethodDeclaration(
          visited,
          visited.modifiers,
          visited.asteriskToken,
          visited.name,
          visited.questionToken,
          visited.typeParameters,
          visited.parameters,
          visited.type,
          block,
        );
      }
      if (ts.isGetAccessorDeclaration(visited))
        return f.updateGetAccessorDeclaration(
          visited,
          visited.modifiers,
          visited.name,
          visited.parameters,
          visited.type,
          block,
        );
      if (ts.isSetAccessorDeclaration(visited))
        return f.updateSetAccessorDeclaration(visited, visited.modifiers, visited.name, visited.parameters, block);
      return f.updateConstructorDeclaration(visited, visited.modifiers, visited.parameters, block);
    };
    return ts.visitNode(source, visit);
  };
}

/** The plugin; `names` collects each probe's label by id. `folders` are the repository folders to probe. */
export function profilePlugin(root, names, folders = ['src/', 'hal/sim/']) {
  return {
    name: 'profile-probes',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        const relative = path.relative(root, args.path).split(path.sep).join('/');
        if (!folders.some((folder) => relative.startsWith(folder))) return undefined;
        const text = fs.readFileSync(args.path, 'utf8');
        const output = ts.transpileModule(text, {
          fileName: args.path,
          compilerOptions: {
            target: ts.ScriptTarget.ES2022,
            module: ts.ModuleKind.ESNext,
            useDefineForClassFields: true,
            sourceMap: false,
          },
          transformers: { before: [probeTransformer(relative.replace(/\.ts$/, ''), names)] },
        });
        return { contents: output.outputText, loader: 'js' };
      });
    },
  };
}
