from django.conf import settings


def shell(request):
    return {"ZHILI_MAP_TILE_URL": settings.ZHILI_MAP_TILE_URL}
