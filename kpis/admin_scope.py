"""Organization scope in the Django admin: the one mixin every ModelAdmin and inline of the project uses.

An admin of one organization reads and picks only that organization's rows: lists, change pages (another
organization's object reads as absent), foreign-key choices, autocomplete and the list filters' choices all go
through `kpis.scope`. The national viewer and a superuser of no organization see everything, as everywhere.
"""
from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.db.models import Q, QuerySet

from accounts.models import User
from kpis.scope import scoped
from kpis.services.permissions import is_admin

ScopeRule = str | Callable[[User], Q] | None


class ScopedAdminMixin:
    """`scope_path`: the path from the admin's model to an organization id (as `kpis.scope.scoped` takes it), or
    a function of the user giving the condition (`kpis.scope.import_runs_condition`); None declares a record of
    no organization (the scoring policy of a year), shown to every admin."""

    scope_path: ScopeRule = None

    def scope_queryset(self, queryset: QuerySet, user: User) -> QuerySet:
        rule = self.scope_path
        if rule is None:
            return queryset
        if callable(rule):
            return queryset.filter(rule(user))
        return scoped(queryset, user, rule)

    def get_queryset(self, request) -> QuerySet:
        return self.scope_queryset(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """Choices (and raw ids) of a related model the project scopes: only rows of organizations the user sees."""
        related = self.admin_site._registry.get(db_field.remote_field.model)
        if "queryset" not in kwargs and isinstance(related, ScopedAdminMixin):
            kwargs["queryset"] = related.get_queryset(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_list_filter(self, request):
        """A filter on a relation offers only the related rows the (scoped) list holds, never another
        organization's names."""
        filters = []
        for item in super().get_list_filter(request):
            if isinstance(item, str) and get_fields_from_path(self.model, item)[-1].is_relation:
                item = (item, admin.RelatedOnlyFieldListFilter)
            filters.append(item)
        return filters


class ScopedModelAdmin(ScopedAdminMixin, admin.ModelAdmin):
    pass


class ScopedTabularInline(ScopedAdminMixin, admin.TabularInline):
    pass


class ServiceWrittenAdmin(ScopedModelAdmin):
    """A record admins add and change here only through its audited service (the subclass's `save_model` calls
    it): other roles read it, and nobody deletes it."""

    def has_add_permission(self, request) -> bool:
        return is_admin(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return is_admin(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
