/**
 * The Places basemap, offline: Natural Earth's countries from the `world-atlas` package (TopoJSON, bundled
 * with the interface), drawn on a canvas with d3-geo's Mercator, which matches places-geo's view.
 */
import { geoMercator, geoPath } from 'd3-geo'
import type { FeatureCollection, Geometry } from 'geojson'
import { feature, mesh } from 'topojson-client'
import type { GeometryCollection, Topology } from 'topojson-specification'
import countries110 from 'world-atlas/countries-110m.json'
import type { GeoView } from './places-geo'

export interface Basemap {
  land: FeatureCollection<Geometry>
  borders: Geometry
}

function toBasemap(topology: Topology<{ countries: GeometryCollection; land: GeometryCollection }>): Basemap {
  return {
    land: feature(topology, topology.objects.countries) as FeatureCollection<Geometry>,
    borders: mesh(topology, topology.objects.countries, (a, b) => a !== b),
  }
}

type WorldTopology = Topology<{ countries: GeometryCollection; land: GeometryCollection }>

/** The coarse map (1:110m), always at hand. */
export const coarseMap: Basemap = toBasemap(countries110 as unknown as WorldTopology)

let detailed: Promise<Basemap> | null = null

/** The detailed map (1:50m, about 0.75 MB), loaded the first time someone zooms in. */
export function detailedMap(): Promise<Basemap> {
  detailed ??= import('world-atlas/countries-50m.json').then((m) =>
    toBasemap((m.default ?? m) as unknown as WorldTopology),
  )
  return detailed
}

export interface MapColours {
  sea: string
  land: string
  border: string
}

export function drawBasemap(
  ctx: CanvasRenderingContext2D,
  map: Basemap,
  view: GeoView,
  width: number,
  height: number,
  dpr: number,
  colours: MapColours,
) {
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  ctx.fillStyle = colours.sea
  ctx.fillRect(0, 0, width, height)
  const projection = geoMercator()
    .scale(view.scale)
    .translate([view.tx, view.ty])
    .clipExtent([
      [-2, -2],
      [width + 2, height + 2],
    ])
  const path = geoPath(projection, ctx)
  ctx.beginPath()
  path(map.land)
  ctx.fillStyle = colours.land
  ctx.fill()
  ctx.beginPath()
  path(map.borders)
  ctx.strokeStyle = colours.border
  ctx.lineWidth = 0.7
  ctx.stroke()
}
